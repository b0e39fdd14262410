/// @file
/// `hilm::SourceInterface`: the virtual interface behind `hilm::AnySource`, for sources provided
/// at run time (plug-ins, language bindings). See `hilm/sources/any_source.hpp`.
#ifndef HILM_SOURCES_SOURCE_INTERFACE_HPP
#define HILM_SOURCES_SOURCE_INTERFACE_HPP

#include <concepts>

#include <Eigen/Core>

#include <hilm/core/types.hpp>

namespace hilm {

/// The virtual interface behind `AnySource`. Derive from it to provide a source through a
/// run-time interface (a plug-in, a Python binding) and hand it to `AnySource` as a
/// `std::unique_ptr`. The members have the meaning of the `ActivationSource` contract; the two
/// capability queries say whether `size()`/`seek()` may be called.
///
/// @tparam Scalar_ floating-point element type.
template <std::floating_point Scalar_>
class SourceInterface {
 public:
  /// Element type of the rows.
  using Scalar = Scalar_;

  virtual ~SourceInterface() = default;
  /// Features per row, `d`.
  [[nodiscard]] virtual Index dim() const = 0;
  /// Fills the next rows of `out` (`b × d`); returns how many (0 = pass ended).
  virtual Index read(Eigen::Ref<RowMatrix<Scalar>> out) = 0;
  /// Starts the next pass.
  virtual void rewind() = 0;
  /// Whether `size()` is available.
  [[nodiscard]] virtual bool has_size() const { return false; }
  /// Whether `seek()` is available (implies `has_size()`).
  [[nodiscard]] virtual bool is_seekable() const { return false; }
  /// Rows per pass. Called only when `has_size()`.
  [[nodiscard]] virtual Index size() const { return 0; }
  /// Continue the pass at `row`. Called only when `is_seekable()`.
  virtual void seek(Index /*row*/) {}

 protected:
  SourceInterface() = default;
  SourceInterface(const SourceInterface&) = default;
  SourceInterface& operator=(const SourceInterface&) = default;
};

}  // namespace hilm

#endif  // HILM_SOURCES_SOURCE_INTERFACE_HPP
