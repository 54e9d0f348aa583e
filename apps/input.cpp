#include "apps/input.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/arch.h"
#include "model/errors.h"
#include "model/image_decode.h"
#include "model/npy.h"
#include "model/preprocess.h"

namespace effnet::app {

void validate_input(const Tensor& x) {
  if (x.rank() != 4 || x.dim(0) < 1 || x.dim(1) != kInChannels || x.dim(2) < kMinImageSize ||
      x.dim(3) < kMinImageSize || x.dim(2) > kMaxImageSize || x.dim(3) > kMaxImageSize)
    throw ShapeError("input must be [N>=1, 3, H>=" + std::to_string(kMinImageSize) +
                     ", W>=" + std::to_string(kMinImageSize) + "] float32 NCHW with H, W <= " +
                     std::to_string(kMaxImageSize) + ", got " + shape_str(x.shape));
  for (size_t i = 0; i < x.data.size(); ++i)
    if (!std::isfinite(x.data[i]))
      throw ShapeError("input holds a non-finite value (" + std::to_string(x.data[i]) + ") at flat index " +
                       std::to_string(i));
}

InputBatches::InputBatches(const InputSpec& spec) : spec_(spec) {
  if (spec.images.empty() == spec.npy.empty())
    throw UsageError("give exactly one input source: --image PATH... (and/or --list FILE) or --input X.npy");
  if (spec.size < kMinImageSize || spec.size > kMaxImageSize)
    throw UsageError("--size " + std::to_string(spec.size) + ": must be " + std::to_string(kMinImageSize) +
                     ".." + std::to_string(kMaxImageSize));
  if (spec.threads < 1 || spec.threads > ThreadPool::kMaxThreads)
    throw UsageError("--threads " + std::to_string(spec.threads) + ": must be 1.." +
                     std::to_string(ThreadPool::kMaxThreads));
  if (spec.npy.empty()) {
    count_ = int64_t(spec.images.size());
    h_ = w_ = spec.size;
    pool_ = std::make_unique<ThreadPool>(int(std::min<int64_t>(spec.threads, count_)));
    return;
  }
  npy_ = load_npy(spec.npy);
  validate_input(npy_);
  count_ = npy_.dim(0);
  h_ = int(npy_.dim(2));
  w_ = int(npy_.dim(3));
}

namespace {
// "<path>: reason" -> "reason".
std::string reason_of(const std::string& what, const std::string& path) {
  const std::string prefix = path + ": ";
  return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
}
}  // namespace

// The pool's tasks write into pending_.data and pending_.round: pool_, the last
// member, is destroyed first, which waits for the running ones.
InputBatches::~InputBatches() = default;

void InputBatches::start_round() {
  Pending& p = pending_;
  const int64_t k = std::min(p.n - int64_t(p.rows.size()), count_ - taken_);
  const size_t row = size_t(kInChannels) * size_t(spec_.size) * size_t(spec_.size);
  p.first = taken_;
  p.round.assign(size_t(k), Decoded{});
  p.tasks.clear();
  for (int64_t j = 0; j < k; ++j) {
    const std::string* path = &spec_.images[size_t(taken_ + j)];
    float* dst = p.data.data() + (p.rows.size() + size_t(j)) * row;
    Decoded* res = &p.round[size_t(j)];
    p.tasks.push_back(pool_->submit([this, path, dst, res] {
      Rgb8 img;
      try {
        img = decode_image_file(*path);
      } catch (const FileError& e) {
        res->error = std::current_exception();
        res->reason = reason_of(e.what(), *path);
        return;
      }
      resize_normalize({img.px.data(), img.w, img.h, 3}, spec_.size, spec_.normalize, dst);
    }));
  }
  taken_ += k;
}

void InputBatches::finish_round() {
  Pending& p = pending_;
  wait_all(p.tasks);
  p.tasks.clear();
  const size_t row = size_t(kInChannels) * size_t(spec_.size) * size_t(spec_.size);
  const size_t base = p.rows.size();  // the round's images went to rows base, base + 1, ...
  for (size_t j = 0; j < p.round.size(); ++j) {
    const int64_t index = p.first + int64_t(j);
    if (p.round[j].error) {
      if (count_ == 1) std::rethrow_exception(p.round[j].error);
      p.skipped.push_back({index, spec_.images[size_t(index)], p.round[j].reason});
      continue;
    }
    if (p.rows.size() != base + j)  // down over a failed one: rows never overlap
      std::copy_n(p.data.begin() + int64_t((base + j) * row), row,
                  p.data.begin() + int64_t(p.rows.size() * row));
    p.rows.push_back(index);
  }
  p.round.clear();
}

void InputBatches::prefetch(int64_t n) {
  if (n < 1) throw ShapeError("InputBatches::prefetch: chunk of " + std::to_string(n) + " rows");
  if (pending_.active || taken_ >= count_ || !spec_.npy.empty()) return;
  pending_ = Pending{};
  pending_.active = true;
  pending_.n = n;
  pending_.data.resize(size_t(n) * size_t(kInChannels) * size_t(h_) * size_t(w_));
  start_round();
}

bool InputBatches::next(int64_t n, Chunk& out) {
  if (n < 1) throw ShapeError("InputBatches::next: chunk of " + std::to_string(n) + " rows");
  if (pending_.active && pending_.n != n)
    throw ShapeError("InputBatches::next: chunk of " + std::to_string(n) + " rows after a prefetch of " +
                     std::to_string(pending_.n));
  out = Chunk{};
  if (!pending_.active && taken_ >= count_) return false;
  const size_t row = size_t(kInChannels) * size_t(h_) * size_t(w_);
  std::vector<float> data;
  if (spec_.npy.empty()) {
    prefetch(n);  // nothing when prefetched already
    for (;;) {
      finish_round();
      if (int64_t(pending_.rows.size()) == n || taken_ >= count_) break;
      start_round();
    }
    out.rows = std::move(pending_.rows);
    out.skipped = std::move(pending_.skipped);
    data = std::move(pending_.data);
    pending_ = Pending{};
  } else {
    const int64_t real = std::min(n, count_ - taken_);
    data.resize(size_t(n) * row);
    std::memcpy(data.data(), npy_.data.data() + size_t(taken_) * row, size_t(real) * row * sizeof(float));
    for (int64_t r = 0; r < real; ++r) out.rows.push_back(taken_ + r);
    taken_ += real;
  }
  if (out.rows.empty()) return true;
  const int64_t real = int64_t(out.rows.size());
  for (int64_t r = real; r < n; ++r)
    std::copy_n(data.begin() + (real - 1) * int64_t(row), row, data.begin() + r * int64_t(row));
  out.x = Tensor({n, kInChannels, h_, w_}, std::move(data));
  return true;
}

std::string InputBatches::row_name(int64_t i) const {
  if (spec_.npy.empty() && i >= 0 && i < count_) return spec_.images[size_t(i)];
  return spec_.npy + " row " + std::to_string(i);
}

}  // namespace effnet::app
