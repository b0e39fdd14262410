/// @file
/// `NpyFileSource`: an activation source that streams the rows of a memory-mapped `.npy` file, so
/// that data larger than RAM can feed a streaming estimator with memory bounded by the batch.
#ifndef HILM_SOURCES_NPY_FILE_SOURCE_HPP
#define HILM_SOURCES_NPY_FILE_SOURCE_HPP

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/dtype.hpp>
#include <hilm/io/npy.hpp>

namespace hilm {

/// Options of `NpyFileSource`.
struct NpyFileSourceOptions {
  /// Refuse NaN and infinities: `read` throws `io_error` naming the row and column of the first
  /// non-finite value it meets. Off by default (it costs one pass over every batch).
  bool check_finite = false;
  /// float64 → float32 narrowing policy (see `hilm/io/dtype.hpp`); other conversions are exact or
  /// an error.
  Conversion conversion = Conversion::RoundFloats;
  /// Give consumed pages of a (memory-mapped) C-order file back to the kernel
  /// (`madvise(MADV_DONTNEED)`) so that resident memory stays bounded by the batch. Turn off only
  /// to keep a small file resident across passes. Fortran-order files are never mapped.
  bool release_pages = true;
};

/// An activation source over a `.npy` file, memory-mapped read-only (seekable and sized; see
/// `hilm/concepts/activation_source.hpp` for the contract).
///
/// The file must hold a 2-d array (`n × d`, rows are samples) or a 1-d array (read as `n × 1`) of
/// any dtype `hilm::read_npy` accepts; rows are converted to `Scalar` on the fly, into the
/// caller's buffer, under the exact-or-error conversion policy (e.g. a float64 file can feed a
/// `float` source; an int64 above 2^53 cannot feed a `double` one).
///
/// Memory: the file is never loaded as a whole. C-order files (rows contiguous) are memory-mapped
/// and, after each `read`, the fully consumed pages are released with `madvise(MADV_DONTNEED)`
/// (with an `MADV_SEQUENTIAL` hint for read-ahead), so the resident set stays near one batch plus
/// one kernel read-ahead unit, whatever the file size. Fortran-order files (columns contiguous)
/// are correct but slower: each batch gathers `d` separate column runs with `pread` into a staging
/// buffer of one batch column (mapping them would keep one page-cache folio — up to megabytes —
/// resident per column, i.e. memory growing with `d` rather than with the batch).
///
/// ```cpp
/// hilm::NpyFileSource<float> source("activations.npy");   // n × d, float16/32/64, any order
/// hilm::RowMatrix<float> batch(4096, source.dim());
/// while (hilm::Index r = source.read(batch)) { /* use batch.topRows(r) */ }
/// ```
///
/// Lifetime and threads: move-only; the mapping lives as long as the object. Not thread-safe (as
/// every source: hilm never calls a source concurrently). If another process truncates the file
/// while it is mapped, reading the missing part raises SIGBUS — do not modify a file being read.
///
/// @tparam Scalar_ the element type of the batches: `float` or `double`.
template <std::floating_point Scalar_>
class NpyFileSource {
 public:
  /// Element type of the batches.
  using Scalar = Scalar_;

  /// Opens (and for C order maps) `path`, validating its header (nothing else is read).
  /// @param path     a `.npy` file holding a 1-d or 2-d array.
  /// @param options  finiteness check, conversion policy, page release.
  /// @throws io_error naming `path`: unreadable file, malformed or truncated `.npy`, unsupported
  ///         dtype, an array with 0 or ≥ 3 axes, or a failed `mmap`.
  explicit NpyFileSource(const std::string& path, NpyFileSourceOptions options = {})
      : path_(path), options_(options) {
    detail::ReadOnlyFile file(path);
    header_ = detail::read_npy_header(file, path);
    if (header_.shape.empty()) {
      hilm::detail::raise<io_error>(path, "expected a 1-d or 2-d array, got a 0-d (scalar) array");
    }
    const auto [rows, cols] = detail::npy_matrix_shape(header_, path);
    rows_ = rows;
    cols_ = cols;
    item_ = dtype_size(header_.dtype);
    gather_ = header_.fortran_order && rows_ > 1 && cols_ > 1;
    if (gather_) {
      file_ = std::move(file);  // column runs are read with pread
      return;
    }
    page_ = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    if (page_ == 0 || (page_ & (page_ - 1)) != 0) page_ = 4096;
    length_ = static_cast<std::size_t>(file.size());
    void* map = ::mmap(nullptr, length_, PROT_READ, MAP_SHARED, file.fd(), 0);
    if (map == MAP_FAILED) {
      hilm::detail::raise<io_error>(
          path, std::string("cannot memory-map the file: ") + std::strerror(errno));
    }
    map_ = static_cast<const std::byte*>(map);
    (void)::madvise(map, length_, MADV_SEQUENTIAL);  // a hint only: failure is harmless
    released_ = 0;
  }

  /// Moves the mapping; `other` is left empty (`size() == 0`, `read` returns 0).
  NpyFileSource(NpyFileSource&& other) noexcept { take(std::move(other)); }

  /// Unmaps this source's file, then moves `other`'s mapping in.
  NpyFileSource& operator=(NpyFileSource&& other) noexcept {
    if (this != &other) {
      unmap();
      take(std::move(other));
    }
    return *this;
  }

  NpyFileSource(const NpyFileSource&) = delete;
  NpyFileSource& operator=(const NpyFileSource&) = delete;

  /// Unmaps the file.
  ~NpyFileSource() { unmap(); }

  /// Features per row `d` (1 for a 1-d array).
  [[nodiscard]] Index dim() const noexcept { return cols_; }

  /// Rows per pass `n`.
  [[nodiscard]] Index size() const noexcept { return rows_; }

  /// Index of the next row `read` returns (`size()` once the pass has ended).
  [[nodiscard]] Index position() const noexcept { return pos_; }

  /// The file's header (dtype, order, byte order, shape, version).
  [[nodiscard]] const NpyHeader& header() const noexcept { return header_; }

  /// The file name given to the constructor.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  /// Converts the next rows into `out`.
  /// @param[out] out  `b × d` buffer; its first `r = min(b, size() - position())` rows receive
  ///                  rows `position() … position() + r − 1` of the file.
  /// @returns `r`; 0 once the pass has ended (and until `rewind()` or `seek()`).
  /// @throws invalid_argument when `out.cols() != dim()`.
  /// @throws io_error naming the file and the element when a value cannot be converted, or (with
  ///         `check_finite`) naming the row and column of a NaN/Inf. The position is then
  ///         unchanged.
  Index read(Eigen::Ref<RowMatrix<Scalar>> out) {
    if (out.cols() != cols_) {
      hilm::detail::raise<invalid_argument>("hilm::NpyFileSource::read: out has " +
                                            std::to_string(out.cols()) +
                                            " columns, expected dim() = " + std::to_string(cols_));
    }
    const Index n = std::min<Index>(out.rows(), rows_ - pos_);
    if (n <= 0) return 0;
    if (!gather_) {
      const std::byte* data = map_ + header_.data_offset;
      // Rows are contiguous in the file: convert row runs straight into the caller's rows.
      const Index first = pos_ * cols_;
      if (out.outerStride() == cols_) {
        convert(data + static_cast<std::size_t>(first) * item_, n * cols_, out.data(), first);
      } else {
        for (Index i = 0; i < n; ++i) {
          convert(data + static_cast<std::size_t>(first + i * cols_) * item_, cols_,
                  out.row(i).data(), first + i * cols_);
        }
      }
    } else {
      // Column-major file: gather one run of n elements per column.
      column_.resize(static_cast<std::size_t>(n));
      staging_.resize(static_cast<std::size_t>(n) * item_);
      for (Index c = 0; c < cols_; ++c) {
        const Index first = c * rows_ + pos_;
        file_.read_at(element_offset(first), staging_.data(), staging_.size());
        convert(staging_.data(), n, column_.data(), first);
        for (Index i = 0; i < n; ++i) out(i, c) = column_[static_cast<std::size_t>(i)];
      }
    }
    if (options_.check_finite) check_finite(out, n);
    pos_ += n;
    if (options_.release_pages && !gather_) release_consumed();
    return n;
  }

  /// Starts the next pass at row 0.
  void rewind() noexcept { move_to(0); }

  /// Continues the pass at `row` (seeking to `size()` ends the pass).
  /// @param row  `0 <= row <= size()`.
  /// @throws invalid_argument when `row` is out of range.
  void seek(Index row) {
    if (row < 0 || row > rows_) {
      hilm::detail::raise<invalid_argument>("hilm::NpyFileSource::seek: row " +
                                            std::to_string(row) + " is outside [0, " +
                                            std::to_string(rows_) + "]");
    }
    move_to(row);
  }

 private:
  void convert(const std::byte* src, Index count, Scalar* dst, Index offset) const {
    detail::npy_convert<Scalar>(src, header_, count, dst, path_, offset, options_.conversion);
  }

  void check_finite(const Eigen::Ref<RowMatrix<Scalar>>& out, Index n) const {
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < cols_; ++j) {
        if (!std::isfinite(out(i, j))) [[unlikely]] {
          hilm::detail::raise<io_error>(
              path_, "non-finite value " + std::to_string(static_cast<double>(out(i, j))) +
                         " at row " + std::to_string(pos_ + i) + ", column " + std::to_string(j));
        }
      }
    }
  }

  [[nodiscard]] std::uint64_t page_floor(std::uint64_t offset) const noexcept {
    return offset & ~(page_ - 1);
  }

  // Byte offset (from the start of the file) of stored element `k`.
  [[nodiscard]] std::uint64_t element_offset(Index k) const noexcept {
    return header_.data_offset + static_cast<std::uint64_t>(k) * item_;
  }

  // Pages of the mapping below `released_` have been given back (C order only).
  void release_consumed() noexcept {
    const std::uint64_t end = page_floor(element_offset(pos_ * cols_));
    if (end > released_) {
      // Dropping clean, read-only file pages only discards them; a later access re-reads them.
      (void)::madvise(const_cast<std::byte*>(map_) + released_, end - released_, MADV_DONTNEED);
      released_ = end;
    }
  }

  void move_to(Index row) noexcept {
    pos_ = row;
    released_ = page_floor(element_offset(pos_ * cols_));
  }

  void unmap() noexcept {
    if (map_ != nullptr) ::munmap(const_cast<std::byte*>(map_), length_);
    map_ = nullptr;
    length_ = 0;
  }

  void take(NpyFileSource&& other) noexcept {
    path_ = std::move(other.path_);
    options_ = other.options_;
    header_ = std::move(other.header_);
    rows_ = std::exchange(other.rows_, 0);
    cols_ = other.cols_;
    item_ = other.item_;
    gather_ = other.gather_;
    page_ = other.page_;
    map_ = std::exchange(other.map_, nullptr);
    length_ = std::exchange(other.length_, 0);
    pos_ = std::exchange(other.pos_, 0);
    released_ = other.released_;
    file_ = std::move(other.file_);
    column_ = std::move(other.column_);
    staging_ = std::move(other.staging_);
    other.gather_ = false;
  }

  std::string path_;
  NpyFileSourceOptions options_;
  NpyHeader header_;
  Index rows_ = 0;
  Index cols_ = 0;
  std::size_t item_ = 1;
  bool gather_ = false;
  std::uint64_t page_ = 4096;
  const std::byte* map_ = nullptr;
  std::size_t length_ = 0;
  Index pos_ = 0;
  std::uint64_t released_ = 0;
  detail::ReadOnlyFile file_;  // open only for Fortran order
  std::vector<Scalar> column_;
  std::vector<std::byte> staging_;
};

}  // namespace hilm

#endif  // HILM_SOURCES_NPY_FILE_SOURCE_HPP
