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
  if (spec.u8 && !spec.npy.empty())
    throw UsageError("uint8 input needs images (--image / --list), not an .npy of float32 values");
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
// Row `from` of a chunk buffer of `row` values per row onto row `to`.
template <typename T>
void copy_row(std::vector<T>& buf, size_t from, size_t to, size_t row) {
  std::copy_n(buf.begin() + int64_t(from * row), row, buf.begin() + int64_t(to * row));
}

// "<path>: reason" -> "reason".
std::string reason_of(const std::string& what, const std::string& path) {
  const std::string prefix = path + ": ";
  return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
}
}  // namespace

// The pool's tasks write into the pending windows: pool_, the last member, is
// destroyed first, which waits for the running ones.
InputBatches::~InputBatches() = default;

size_t InputBatches::row_values() const { return size_t(kInChannels) * size_t(h_) * size_t(w_); }

void InputBatches::launch(int64_t n) {
  Window& win = pending_.emplace_back();  // references to the other windows stay valid
  win.n = n;
  win.first = taken_;
  win.count = std::min(n, count_ - taken_);
  const size_t row = row_values();
  // A released buffer of this size where there is one (its old rows are all overwritten or padded).
  const auto take = [&](auto& free, auto& buf) {
    for (auto it = free.begin(); it != free.end(); ++it)
      if (it->size() == size_t(n) * row) {
        buf = std::move(*it);
        free.erase(it);
        return;
      }
    buf.resize(size_t(n) * row);
  };
  if (spec_.u8)
    take(free_bytes_, win.bytes);
  else
    take(free_data_, win.data);
  win.results.assign(size_t(win.count), Decoded{});
  for (int64_t j = 0; j < win.count; ++j) {
    const std::string* path = &spec_.images[size_t(win.first + j)];
    float* dst = spec_.u8 ? nullptr : win.data.data() + size_t(j) * row;
    uint8_t* dst_u8 = spec_.u8 ? win.bytes.data() + size_t(j) * row : nullptr;
    Decoded* res = &win.results[size_t(j)];
    win.tasks.push_back(pool_->submit([this, path, dst, dst_u8, res] {
      Rgb8 img;
      try {
        img = decode_image_file(*path);
      } catch (const FileError& e) {
        res->error = std::current_exception();
        res->reason = reason_of(e.what(), *path);
        return;
      }
      if (dst_u8)
        resize_u8({img.px.data(), img.w, img.h, 3}, spec_.size, dst_u8);
      else
        resize_normalize({img.px.data(), img.w, img.h, 3}, spec_.size, spec_.normalize, dst);
    }));
  }
  taken_ += win.count;
}

void InputBatches::prefetch(int64_t n) {
  if (n < 1) throw ShapeError("InputBatches::prefetch: chunk of " + std::to_string(n) + " rows");
  if (!spec_.npy.empty() || (!pending_.empty() && pending_.front().n != n)) return;
  while (int(pending_.size()) < kPrefetchChunks && taken_ < count_) launch(n);
}

bool InputBatches::next(int64_t n, Chunk& out) {
  if (n < 1) throw ShapeError("InputBatches::next: chunk of " + std::to_string(n) + " rows");
  if (!pending_.empty() && pending_.front().n != n)
    throw ShapeError("InputBatches::next: chunk of " + std::to_string(n) + " rows after a prefetch of " +
                     std::to_string(pending_.front().n));
  out = Chunk{};
  if (pending_.empty() && taken_ >= count_) return false;
  const size_t row = row_values();
  std::vector<float> data;
  std::vector<uint8_t> bytes;
  if (spec_.npy.empty()) {
    if (pending_.empty()) launch(n);
    wait_all(pending_.front().tasks);  // the window's writes are done: it may move
    Window win = std::move(pending_.front());
    pending_.pop_front();
    for (int64_t j = 0; j < win.count; ++j) {
      const int64_t index = win.first + j;
      const Decoded& d = win.results[size_t(j)];
      if (d.error) {
        if (count_ == 1) std::rethrow_exception(d.error);
        out.skipped.push_back({index, spec_.images[size_t(index)], d.reason});
        continue;
      }
      const size_t to = out.rows.size();
      if (to != size_t(j)) {  // down over a failed one: rows never overlap
        if (spec_.u8)
          copy_row(win.bytes, size_t(j), to, row);
        else
          copy_row(win.data, size_t(j), to, row);
      }
      out.rows.push_back(index);
    }
    data = std::move(win.data);
    bytes = std::move(win.bytes);
  } else {
    const int64_t real = std::min(n, count_ - taken_);
    data.resize(size_t(n) * row);
    std::memcpy(data.data(), npy_.data.data() + size_t(taken_) * row, size_t(real) * row * sizeof(float));
    for (int64_t r = 0; r < real; ++r) out.rows.push_back(taken_ + r);
    taken_ += real;
  }
  if (out.rows.empty()) {  // every image of the window failed: its buffer goes round, never freed early
    if (!data.empty()) free_data_.push_back(std::move(data));
    if (!bytes.empty()) free_bytes_.push_back(std::move(bytes));
    return true;
  }
  const int64_t real = int64_t(out.rows.size());
  out.h = h_;
  out.w = w_;
  for (int64_t r = real; r < n; ++r) {  // padded with the last real row
    if (spec_.u8)
      copy_row(bytes, size_t(real - 1), size_t(r), row);
    else
      copy_row(data, size_t(real - 1), size_t(r), row);
  }
  if (spec_.u8) {
    out.bytes = std::move(bytes);
    return true;
  }
  out.x = Tensor({n, kInChannels, h_, w_}, std::move(data));
  return true;
}

void InputBatches::release(Chunk&& c) {
  if (!c.x.data.empty()) free_data_.push_back(std::move(c.x.data));
  if (!c.bytes.empty()) free_bytes_.push_back(std::move(c.bytes));
  c = Chunk{};
}

std::string InputBatches::row_name(int64_t i) const {
  if (spec_.npy.empty() && i >= 0 && i < count_) return spec_.images[size_t(i)];
  return spec_.npy + " row " + std::to_string(i);
}

}  // namespace effnet::app
