#include "apps/progress.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace effnet::app {

namespace {
constexpr std::chrono::milliseconds kEvery{500};
}

ProgressLine::ProgressLine(bool on, int64_t total, std::string noun)
    : on_(on),
      tty_(::isatty(STDERR_FILENO) != 0),
      total_(total),
      noun_(std::move(noun)),
      start_(Clock::now()),
      last_(start_) {}

ProgressLine::~ProgressLine() { clear(); }

std::string ProgressLine::line(int64_t done, int64_t total, double seconds, const std::string& noun) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "effnet-infer: %lld/%lld %s, %.1f %s/s", (long long)done, (long long)total,
                noun.c_str(), seconds > 0 ? double(done) / seconds : 0.0, noun.c_str());
  return buf;
}

void ProgressLine::show(int64_t done, bool last) {
  const auto now = Clock::now();
  last_ = now;
  const std::string text = line(done, total_, std::chrono::duration<double>(now - start_).count(), noun_);
  if (tty_) {
    std::fprintf(stderr, "\r%s\033[K%s", text.c_str(), last ? "\n" : "");
    pending_ = !last;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void ProgressLine::update(int64_t done) {
  if (on_ && Clock::now() - last_ >= kEvery) show(done, false);
}

void ProgressLine::finish(int64_t done) {
  if (on_) show(done, true);
}

void ProgressLine::clear() {
  if (!pending_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  pending_ = false;
}

}  // namespace effnet::app
