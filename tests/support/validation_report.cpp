#include "tests/support/validation_report.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tests/support/test_util.h"
#include "tests/support/tolerances.h"

namespace effnet::test {
namespace {

constexpr const char* kSchema = "effnet-validation-report/1";

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Top-2 values of row `row` of a [N, C] tensor and the row's L2 norm.
struct RowStats {
  int top1 = 0;
  double margin = 0.0, norm = 0.0;
};
RowStats row_stats(const Tensor& t, int64_t row) {
  const int64_t c = t.dim(1);
  const float* v = t.data.data() + row * c;
  RowStats s;
  s.top1 = argmax_row(t, row);
  double second = -INFINITY;
  for (int64_t j = 0; j < c; ++j) {
    s.norm += double(v[j]) * double(v[j]);
    if (j != s.top1) second = std::max(second, double(v[j]));
  }
  s.norm = std::sqrt(s.norm);
  s.margin = c > 1 ? double(v[s.top1]) - second : INFINITY;
  return s;
}

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json to_json(const Comparison& c) {
  nlohmann::json j = {{"case", c.case_name},
                      {"pair", c.pair},
                      {"rel_l2", number_or_null(c.rel_l2)},
                      {"max_abs_err", number_or_null(c.max_abs_err)},
                      {"tolerance", c.tolerance},
                      {"passed", c.passed},
                      {"recorded_at", c.recorded_at}};
  if (c.rows >= 0) {
    j["rows"] = c.rows;
    j["top1_agree"] = c.top1_agree;
    j["top1_required"] = c.top1_required;
    j["top1_required_agree"] = c.top1_required_agree;
  } else {
    j["rows"] = j["top1_agree"] = j["top1_required"] = j["top1_required_agree"] = nullptr;
  }
  return j;
}

// Reads the report at `path`; an empty object when absent or not a report.
nlohmann::json read_existing(const std::string& path) {
  std::ifstream f(path);
  if (!f) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("schema", "") != kSchema) return nlohmann::json::object();
  return j;
}

// Holds an flock on a file for its lifetime (best effort: no lock if the lock
// file cannot be opened).
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT, 0644)) {
    if (fd_ >= 0) (void)::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// The process-wide report; its destructor writes the file at exit.
struct ProcessReport {
  ValidationReport report;
  ~ProcessReport() {
    if (report.empty()) return;
    const std::string path = report_path();
    try {
      report.write(path);
      std::cerr << "validation report: " << path << "\n";
    } catch (const std::exception& e) {
      std::cerr << "validation report: cannot write " << path << ": " << e.what() << "\n";
    }
  }
};

}  // namespace

std::string Comparison::summary() const {
  std::ostringstream s;
  s.precision(2);
  s << std::scientific << pair << " [" << case_name << "]: rel L2 " << rel_l2 << " (tol " << tolerance
    << "), max abs " << max_abs_err;
  if (rows >= 0)
    s << ", top-1 " << top1_agree << "/" << rows << " (required " << top1_required_agree << "/"
      << top1_required << ")";
  s << ": " << (passed ? "ok" : "FAILED");
  return s.str();
}

Comparison compare(const std::string& case_name, const std::string& pair, const Tensor& y, const Tensor& ref,
                   double tolerance) {
  Comparison c;
  c.case_name = case_name;
  c.pair = pair;
  c.tolerance = tolerance;
  c.rel_l2 = rel_l2(y, ref);
  c.max_abs_err = max_abs_err(y, ref);
  c.recorded_at = utc_now();
  bool top1_ok = true;
  if (ref.rank() == 2 && y.shape == ref.shape) {
    c.rows = int(ref.dim(0));
    for (int64_t i = 0; i < ref.dim(0); ++i) {
      const RowStats r = row_stats(ref, i);
      const bool agree = argmax_row(y, i) == r.top1;
      const bool required = r.margin > kTop1MarginFactor * tolerance * r.norm;
      c.top1_agree += agree;
      c.top1_required += required;
      c.top1_required_agree += required && agree;
      if (required && !agree) top1_ok = false;
    }
  }
  c.passed = std::isfinite(c.rel_l2) && c.rel_l2 <= tolerance && top1_ok;
  return c;
}

void ValidationReport::add(const Comparison& c) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(c);
}

void ValidationReport::set_info(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  info_[key] = value;
}

bool ValidationReport::empty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.empty() && info_.empty();
}

void ValidationReport::write(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  FileLock file_lock(path + ".lock");
  const nlohmann::json old = read_existing(path);

  std::set<std::pair<std::string, std::string>> mine;
  for (const Comparison& c : entries_) mine.insert({c.case_name, c.pair});
  nlohmann::json comparisons = nlohmann::json::array();
  if (old.contains("comparisons") && old["comparisons"].is_array())
    for (const auto& e : old["comparisons"])
      if (e.is_object() && !mine.count({e.value("case", ""), e.value("pair", "")})) comparisons.push_back(e);
  for (const Comparison& c : entries_) comparisons.push_back(to_json(c));

  nlohmann::json info =
      old.contains("info") && old["info"].is_object() ? old["info"] : nlohmann::json::object();
  for (const auto& [k, v] : info_) info[k] = v;

  int passed = 0;
  for (const auto& e : comparisons) passed += e.value("passed", false) ? 1 : 0;
  const nlohmann::json report = {
      {"schema", kSchema},
      {"info", info},
      {"tolerances",
       {{"fp32", kTolFp32},
        {"fp16", kTolFp16},
        {"fp16_network", kTolFp16Network},
        {"cudnn_fp16_network", kTolCudnnFp16Network},
        {"fp16_golden", "max(fp16, PyTorch fp16 rel L2 on the same case from tests/data/golden_meta.json)"},
        {"top1_rule", "row i must agree when ref[i,top1] - ref[i,top2] > 2 * tolerance * ||ref[i,:]||_2"}}},
      {"summary",
       {{"comparisons", comparisons.size()},
        {"passed", passed},
        {"failed", int(comparisons.size()) - passed}}},
      {"comparisons", comparisons}};

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp);
    if (!f) throw std::runtime_error("cannot open " + tmp);
    f << report.dump(1) << "\n";
    if (!f.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

ValidationReport& process_report() {
  static ProcessReport instance;
  return instance.report;
}

std::string report_path() {
  const char* env = std::getenv("EFFNET_VALIDATION_REPORT");
  return (env && *env) ? std::string(env) : std::string("validation_report.json");
}

Comparison record(const std::string& case_name, const std::string& pair, const Tensor& y, const Tensor& ref,
                  double tolerance) {
  Comparison c = compare(case_name, pair, y, ref, tolerance);
  process_report().add(c);
  return c;
}

void record_info(const std::string& key, const std::string& value) { process_report().set_info(key, value); }

}  // namespace effnet::test
