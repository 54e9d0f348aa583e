// The machine-readable validation report: every cross-backend comparison a
// test makes is recorded, and the JSON file is written when the test process
// exits, so a GPU run leaves evidence behind.
//
// Use (one call per comparison):
//   const auto c = effnet::test::record("e2e b10 240x240 c1000", "cuda-fp32 vs cpu", y, ref, kTolFp32);
//   INFO(c.summary());
//   CHECK(c.passed);
//
// The file: the path in the environment variable EFFNET_VALIDATION_REPORT,
// else validation_report.json in the working directory. It is written at exit
// only when this process recorded something, and merged with an existing
// report of the same schema (an entry with the same case and pair is
// replaced), under a lock, so that ctest's one-process-per-test runs add up
// to one report. Delete the file before a run for a fresh report.
//
// JSON (schema "effnet-validation-report/1"):
//   {"schema", "info": {key: value}, "tolerances": {"fp32", "fp16", "top1_rule"},
//    "summary": {"comparisons", "passed", "failed"},
//    "comparisons": [{"case", "pair", "rel_l2", "max_abs_err", "tolerance", "rows",
//                     "top1_agree", "top1_required", "top1_required_agree", "passed",
//                     "recorded_at"}]}
// The top1 fields are null for tensors that are not [N, C].
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace effnet::test {

struct Comparison {
  std::string case_name;  // e.g. "e2e b3 224x224 c10 seed 5"
  std::string pair;       // "<backend under test> vs <reference>", e.g. "cuda-fp16 vs cpu"
  double rel_l2 = 0.0;    // ||y - ref|| / ||ref|| (inf on a shape mismatch or a non-finite y)
  double max_abs_err = 0.0;
  double tolerance = 0.0;
  int rows = -1;                // N for [N, C] tensors, else -1 (no top-1 fields)
  int top1_agree = 0;           // rows whose arg-max agrees
  int top1_required = 0;        // rows whose margin makes agreement required (tolerances.h)
  int top1_required_agree = 0;  // of those, rows that agree
  bool passed = false;          // rel_l2 <= tolerance and every required row agrees
  std::string recorded_at;      // UTC, ISO 8601

  // "cuda-fp16 vs cpu [e2e ...]: rel L2 1.2e-04 (tol 2.0e-03), max abs 3e-04, top-1 3/3 (required 3/3): ok"
  std::string summary() const;
};

// Compares y with ref (see tolerances.h for the top-1 rule); records nothing.
Comparison compare(const std::string& case_name, const std::string& pair, const Tensor& y, const Tensor& ref,
                   double tolerance);

// A set of comparisons and info entries that can be written as a report.
class ValidationReport {
 public:
  void add(const Comparison& c);
  void set_info(const std::string& key, const std::string& value);
  bool empty() const;
  // Writes the report to `path`, merged with the report already there (if it
  // is one), atomically (temporary file + rename) under an flock on
  // "<path>.lock". Throws std::runtime_error when the file cannot be written.
  void write(const std::string& path) const;

 private:
  mutable std::mutex mu_;
  std::vector<Comparison> entries_;
  std::map<std::string, std::string> info_;
};

// The process-wide report, written at exit to report_path() if not empty.
ValidationReport& process_report();
// EFFNET_VALIDATION_REPORT, else "validation_report.json".
std::string report_path();

// compare() + add to process_report(); returns the comparison.
Comparison record(const std::string& case_name, const std::string& pair, const Tensor& y, const Tensor& ref,
                  double tolerance);
// An info entry of process_report(), e.g. ("cuda_device", "NVIDIA H100 ...").
void record_info(const std::string& key, const std::string& value);

}  // namespace effnet::test
