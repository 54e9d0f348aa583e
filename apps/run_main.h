// Shared main() wrapper: runs `body`, turns every exception into one line
// "<tool>: <message>" on stderr and the exit code of its family (exit_codes.h).
#pragma once
#include <functional>

namespace effnet::app {
int run_main(const char* tool, const std::function<int()>& body);
}  // namespace effnet::app
