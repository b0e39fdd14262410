/// @file
/// Atomic file output: write to a temporary file in the destination's directory, flush it to
/// disk, then rename it over the destination. Readers never see a half-written file, and a
/// failure leaves any previous file untouched.
#ifndef HILM_IO_ATOMIC_FILE_HPP
#define HILM_IO_ATOMIC_FILE_HPP

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <unistd.h>

#include <hilm/core/error.hpp>

namespace hilm {

/// Writes `path` atomically. `write(std::ostream&)` produces the contents; if it throws, or the
/// stream fails, the temporary file is removed and `path` is left as it was.
/// @throws io_error naming `path` when the file cannot be written or renamed.
template <class Writer>
void write_file_atomically(const std::string& path, Writer&& write) {
  namespace fs = std::filesystem;
  static std::atomic<unsigned> counter{0};
  const fs::path target(path);
  const fs::path temp =
      target.parent_path() / (target.filename().string() + ".tmp." + std::to_string(::getpid()) +
                              "." + std::to_string(counter++));
  try {
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      if (!out) {
        hilm::detail::raise<io_error>(path,
                                      std::string("cannot create file: ") + std::strerror(errno));
      }
      write(static_cast<std::ostream&>(out));
      out.flush();
      if (!out) hilm::detail::raise<io_error>(path, "write failed (disk full?)");
    }
    // Flush data to disk before the rename makes it visible.
    const int fd = ::open(temp.c_str(), O_RDONLY);
    if (fd >= 0) {
      (void)::fsync(fd);
      ::close(fd);
    }
    std::error_code ec;
    fs::rename(temp, target, ec);
    if (ec) hilm::detail::raise<io_error>(path, "cannot rename temporary file: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
}

}  // namespace hilm

#endif  // HILM_IO_ATOMIC_FILE_HPP
