/// @file
/// Implementation details: a read-only POSIX file handle used by the `.npy` reader and the
/// memory-mapped `.npy` source. Public API: `hilm/io/npy.hpp`, `hilm/sources/npy_file_source.hpp`.
#ifndef HILM_IO_DETAIL_NPY_FILE_HPP
#define HILM_IO_DETAIL_NPY_FILE_HPP

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <hilm/core/error.hpp>

namespace hilm::detail {

/// An open regular file (read-only), closed on destruction. Move-only.
class ReadOnlyFile {
 public:
  /// A handle that holds no file.
  ReadOnlyFile() noexcept = default;

  /// Opens `path`; throws io_error naming it when it cannot be opened or is not a regular file
  /// (directories, FIFOs and devices are refused so that reads can never block or mislead).
  explicit ReadOnlyFile(const std::string& path) : path_(path) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever. It has
    // no effect on the reads of a regular file, the only kind accepted below.
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) {
      hilm::detail::raise<io_error>(path, std::string("cannot open: ") + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int err = errno;
      close();
      hilm::detail::raise<io_error>(path, std::string("cannot stat: ") + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
      close();
      hilm::detail::raise<io_error>(path, S_ISDIR(st.st_mode)
                                              ? "not a regular file: it is a directory"
                                              : "not a regular file (a FIFO, socket or device "
                                                "cannot be read as data)");
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
  }

  ReadOnlyFile(ReadOnlyFile&& other) noexcept
      : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}
  ReadOnlyFile& operator=(ReadOnlyFile&& other) noexcept {
    if (this != &other) {
      close();
      path_ = std::move(other.path_);
      fd_ = std::exchange(other.fd_, -1);
      size_ = other.size_;
    }
    return *this;
  }
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
  ~ReadOnlyFile() { close(); }

  /// File size in bytes at open time.
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  /// The descriptor (owned by this object).
  [[nodiscard]] int fd() const noexcept { return fd_; }

  /// Reads exactly `count` bytes at `offset` into `dst`; throws io_error if the file ends first
  /// (it may have been truncated after opening) or a read fails.
  void read_at(std::uint64_t offset, void* dst, std::size_t count) const {
    auto* out = static_cast<char*>(dst);
    while (count > 0) {
      const ::ssize_t got = ::pread(fd_, out, count, static_cast<::off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        hilm::detail::raise<io_error>(path_, std::string("read failed: ") + std::strerror(errno));
      }
      if (got == 0) {
        hilm::detail::raise<io_error>(path_, "unexpected end of file at byte " +
                                                 std::to_string(offset) +
                                                 " (was the file truncated while reading?)");
      }
      out += got;
      offset += static_cast<std::uint64_t>(got);
      count -= static_cast<std::size_t>(got);
    }
  }

 private:
  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

/// The whole contents of the regular file `path` as bytes in a string.
/// @throws io_error naming `path` if it cannot be opened, is not a regular file or is too large.
[[nodiscard]] inline std::string read_text_file(const std::string& path) {
  const ReadOnlyFile file(path);
  std::string text;
  if (file.size() > static_cast<std::uint64_t>(text.max_size())) {
    hilm::detail::raise<io_error>(path, "file too large");
  }
  text.resize(static_cast<std::size_t>(file.size()));
  file.read_at(0, text.data(), text.size());
  return text;
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_NPY_FILE_HPP
