// effnet-infer's progress line on standard error: inputs done / total and
// inputs per second, at most every 0.5 s. On a terminal the line is rewritten
// in place; elsewhere (--progress into a log) each update is a line of its own.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace effnet::app {

class ProgressLine {
 public:
  // Off: every call does nothing. `noun`: "images" or "inputs".
  ProgressLine(bool on, int64_t total, std::string noun);
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  // Clears a line left on the terminal (an error line comes next).
  ~ProgressLine();

  // Shows `done` (inputs finished, skipped ones included) when 0.5 s have
  // passed since the last line.
  void update(int64_t done);
  // The last line, always, ended by a newline.
  void finish(int64_t done);
  // Before another line on standard error: clears the line on a terminal.
  void clear();

  // The line itself: "effnet-infer: 12/40 images, 35.2 images/s".
  static std::string line(int64_t done, int64_t total, double seconds, const std::string& noun);

 private:
  using Clock = std::chrono::steady_clock;
  void show(int64_t done, bool last);
  bool on_, tty_;
  bool pending_ = false;  // a line without its newline is on the terminal
  int64_t total_;
  std::string noun_;
  Clock::time_point start_, last_;
};

}  // namespace effnet::app
