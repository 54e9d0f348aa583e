// Shared main() wrapper: runs `body`, turns every exception into one line
// "<tool>: <message>" on stderr and the exit code of its family (exit_codes.h).
#pragma once
#include <functional>
#include <optional>

namespace CLI {
class App;
}

namespace effnet::app {
int run_main(const char* tool, const std::function<int()>& body);

// Parses the command line. Returns an exit code when the tool must stop now
// (--help printed: 0), nothing when it should go on; a parse error throws
// UsageError (one line, exit code 2 through run_main).
std::optional<int> parse_cli(CLI::App& cli, int argc, char** argv);
}  // namespace effnet::app
