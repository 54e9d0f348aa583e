#include "model/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "model/errors.h"

namespace effnet {
namespace {

// Owns a file descriptor.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

std::string errno_text() { return std::strerror(errno); }

const char* file_kind(mode_t m) {
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a plain file";
}

}  // namespace

std::vector<unsigned char> read_file_bytes(const std::string& path, uint64_t max_bytes) {
  if (path.empty()) throw FileError("cannot open a file with an empty name");
  Fd f(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (f.fd < 0) throw FileError(path + ": cannot open (" + errno_text() + ")");
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw FileError(path + ": cannot open (" + errno_text() + ")");
  if (S_ISDIR(st.st_mode)) throw FileError(path + ": cannot open (is a directory)");
  if (!S_ISREG(st.st_mode)) {
    throw FileError(path + ": is not a regular file (" + file_kind(st.st_mode) + ")");
  }
  const uint64_t size = uint64_t(st.st_size);
  if (size > max_bytes) {
    throw FileError(path + ": is " + std::to_string(size) + " bytes, more than the limit of " +
                    std::to_string(max_bytes));
  }
  std::vector<unsigned char> bytes(static_cast<size_t>(size));
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t r = ::read(f.fd, bytes.data() + got, bytes.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw FileError(path + ": read error (" + errno_text() + ")");
    if (r == 0) throw FileError(path + ": read error (the file shrank while being read)");
    got += size_t(r);
  }
  return bytes;
}

void write_file_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  if (path.empty()) throw FileError("cannot write a file with an empty name");
  Fd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0666));
  if (f.fd < 0) throw FileError(path + ": cannot write (" + errno_text() + ")");
  size_t put = 0;
  while (put < bytes.size()) {
    const ssize_t r = ::write(f.fd, bytes.data() + put, bytes.size() - put);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) throw FileError(path + ": cannot write (" + errno_text() + ")");
    put += size_t(r);
  }
  const int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0) throw FileError(path + ": cannot write (" + errno_text() + ")");
}

}  // namespace effnet
