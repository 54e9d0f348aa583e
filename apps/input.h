// Input of the tools: images or an .npy batch, validated, taken in chunks.
#pragma once
#include <cstdint>
#include <deque>
#include <exception>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "apps/thread_pool.h"
#include "model/preprocess.h"
#include "model/tensor.h"

namespace effnet::app {

struct InputSpec {
  std::vector<std::string> images;  // decoded, resized to `size`, normalised unless `normalize` is false
  std::string npy;                  // [N, 3, H, W] float32 NCHW
  int size = 240;
  bool normalize = true;
  int threads = 1;  // images decoded at once, one per worker of a ThreadPool; 1..ThreadPool::kMaxThreads
  // Images resized to 8-bit RGB (model/preprocess.h resize_u8), the chunk's
  // `bytes` filled instead of `x`: the uint8 input path (normalised on the
  // device). Images only (UsageError with an .npy).
  bool u8 = false;
};

// An image that could not be decoded, skipped in a run of several images.
struct SkippedImage {
  int64_t index = 0;  // its place among the inputs
  std::string path;
  std::string reason;  // the FileError's message without the leading "<path>: "
};

// How many chunks InputBatches::prefetch keeps decoding ahead of the one taken.
inline constexpr int kPrefetchChunks = 2;

// The rows of the input (one per image, or the .npy's N), taken chunk by chunk
// (next()): a chunk is the next n inputs (a window), its images decoded only
// when it is taken or prefetched, so memory stays that of 1 + kPrefetchChunks
// chunks (the one taken and those decoding meanwhile) whatever the number of
// images; an .npy is read and validated whole when constructed. A chunk's
// images are decoded, resized and normalised on a pool of InputSpec::threads
// workers, one image per task, each into its own row, the prefetched chunks'
// tasks queued behind, so the workers do not wait at chunk boundaries: the
// values are those of decoding them one after the other, bit for bit, in
// input order. Not thread-safe: one caller.
class InputBatches {
 public:
  // One chunk: `rows` (count <= the n asked for) real rows, padded to n by
  // repeating the last real row (a short last chunk padded to the plan's batch).
  struct Chunk {
    Tensor x;                    // [n, 3, H, W] float32 NCHW; empty when `rows` is or with u8
    std::vector<uint8_t> bytes;  // InputSpec::u8: [n, H, W, 3] RGB bytes; else empty
    ImagesU8 images() const {
      return {bytes.data(), int64_t(bytes.size() / (3 * size_t(h) * size_t(w))), h, w};
    }
    int64_t h = 0, w = 0;
    std::vector<int64_t> rows;          // the input index of each real row of x
    std::vector<SkippedImage> skipped;  // inputs passed over while filling this chunk
  };

  // Throws UsageError when neither or both sources are given, spec.size is
  // outside [kMinImageSize, kMaxImageSize] (model/arch.h) or spec.threads
  // outside [1, ThreadPool::kMaxThreads]; for an .npy, FileError (unreadable,
  // malformed) and ShapeError (validate_input).
  explicit InputBatches(const InputSpec& spec);
  InputBatches(const InputBatches&) = delete;
  InputBatches& operator=(const InputBatches&) = delete;
  // Waits for the tasks of a prefetch still running (the rest are dropped).
  ~InputBatches();

  int64_t count() const { return count_; }
  int height() const { return h_; }
  int width() const { return w_; }
  // The next chunk: the next n inputs (fewer at the end), as rows in input
  // order. False when every input was taken. With several images, one that
  // cannot be decoded (FileError: missing, not a PNG or JPEG, corrupt) is put
  // in `skipped` and leaves no row (the chunk is then padded like the last
  // one; when all its images are bad, a chunk has no rows); with one image its
  // FileError is thrown, naming the file. ShapeError when n < 1 or n differs
  // from a pending prefetch's. Blocks until the chunk's images are decoded
  // (those of a prefetch may be already). An exception of a decode task other
  // than FileError is rethrown here (the first in input order), after every
  // task of the chunk has finished.
  bool next(int64_t n, Chunk& out);
  // Queues the decoding of the chunks the next next(n) calls return, up to
  // kPrefetchChunks of them, on the pool, and returns at once (the caller
  // runs the current chunk meanwhile). Does nothing for chunks already
  // pending, when every input was taken, when the pending ones have another n,
  // or for an .npy (copied in next()). ShapeError when n < 1.
  void prefetch(int64_t n);
  // Gives a taken chunk's buffer back for the next chunks to reuse (instead
  // of allocating one per chunk): the same few buffers then go round, which
  // lets a backend keep them imported (Backend::run_reused). Every buffer
  // released, and that of a chunk without rows, stays allocated until this
  // object dies (a chunk not released is freed when next() overwrites it).
  // Optional.
  void release(Chunk&& c);
  // An image's path, or "<npy> row <i>".
  std::string row_name(int64_t i) const;

 private:
  struct Decoded {             // one image of a window
    std::exception_ptr error;  // its FileError, when it failed
    std::string reason;        // that error's message without "<path>: "
  };
  // A chunk being decoded: inputs [first, first + count), count <= n, image
  // first + j into row j (the tasks write into data / bytes and results, whose
  // buffers never move while they run).
  struct Window {
    int64_t n = 0, first = 0, count = 0;
    std::vector<float> data;               // [n, 3, H, W]
    std::vector<uint8_t> bytes;            // InputSpec::u8: [n, H, W, 3] instead
    std::vector<Decoded> results;          // per image
    std::vector<std::future<void>> tasks;  // per image
  };
  void launch(int64_t n);     // the window of the next n inputs, queued on the pool
  size_t row_values() const;  // floats (or bytes, u8) per row
  InputSpec spec_;
  Tensor npy_;
  int64_t count_ = 0, taken_ = 0;
  int h_ = 0, w_ = 0;
  std::deque<Window> pending_;                 // launched, not taken: in input order
  std::vector<std::vector<float>> free_data_;  // release()d buffers, for launch()
  std::vector<std::vector<uint8_t>> free_bytes_;
  std::unique_ptr<ThreadPool> pool_;  // images only; last member: joined before pending_ is freed
};

// Throws ShapeError unless x is [N>=1, 3, H, W] with H, W in [kMinImageSize,
// kMaxImageSize] and every value finite.
void validate_input(const Tensor& x);

}  // namespace effnet::app
