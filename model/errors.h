// Error families of effnet-vk. Each is caught in main() and printed as one line
// ("effnet-infer: <what>") with a non-zero exit code; see apps/exit_codes.h.
#pragma once
#include <stdexcept>
#include <string>

namespace effnet {

// Base of every error this project throws on purpose, except vk_runtime's
// (vk::Error, vk_runtime/errors.h: the runtime depends on nothing above it).
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A file that is missing, unreadable, truncated or malformed (safetensors, npy, image).
struct FileError : Error {
  using Error::Error;
};
// A tensor or input with the wrong shape, dtype, or a non-finite value; an impossible batch size.
struct ShapeError : Error {
  using Error::Error;
};
// An asynchronous call out of order (model/ticket.h): waiting a ticket twice or
// one never issued, submitting more batches than may be in flight.
struct TicketError : Error {
  using Error::Error;
};
// Bad command-line usage.
struct UsageError : Error {
  using Error::Error;
};

}  // namespace effnet
