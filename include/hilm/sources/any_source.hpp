/// @file
/// `hilm::AnySource`: a type-erased activation source (run-time polymorphism), for plug-ins,
/// language bindings and code that must choose a source at run time.
#ifndef HILM_SOURCES_ANY_SOURCE_HPP
#define HILM_SOURCES_ANY_SOURCE_HPP

#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sources/detail/source_model.hpp>
#include <hilm/sources/source_interface.hpp>

namespace hilm {

/// A type-erased activation source of scalar `Scalar`: holds any `ActivationSource` with that
/// scalar behind a virtual interface (the role of Ceres' `CostFunction` next to its templated
/// cost functors).
///
/// Two forms:
/// - owning: `AnySource<float> any(MatrixSource(x));` moves (or copies) the source inside;
/// - referencing: `AnySource<float> any(std::ref(my_source));` forwards to `my_source`, which
///   must outlive `any`.
/// A `std::unique_ptr<SourceInterface<Scalar>>` can also be given, for run-time implementations.
///
/// `AnySource` always models `ActivationSource`. It does **not** model `SizedActivationSource`
/// or `SeekableActivationSource` statically, because whether the wrapped source has `size()`
/// and `seek()` is known only at run time; ask `has_size()` / `is_seekable()` and then call
/// `size()` / `seek()`, which throw `invalid_argument` when the capability is missing.
/// Estimators therefore treat an `AnySource` as an unsized stream.
///
/// Move-only. A moved-from `AnySource` may only be destroyed or assigned to.
///
/// @tparam Scalar_ floating-point element type; must equal the wrapped source's `Scalar`.
template <std::floating_point Scalar_>
class AnySource {
 public:
  /// Element type of the rows.
  using Scalar = Scalar_;

  /// Owns a copy of (or the moved) `source`.
  ///
  /// @tparam Source a type modelling `ActivationSource` with `Source::Scalar == Scalar`.
  /// @param[in] source the source to hold.
  template <class Source>
    requires(!std::same_as<std::remove_cvref_t<Source>, AnySource> &&
             !detail::is_reference_wrapper<std::remove_cvref_t<Source>>::value &&
             !std::derived_from<std::remove_cvref_t<Source>, SourceInterface<Scalar_>> &&
             !std::is_convertible_v<Source, std::unique_ptr<SourceInterface<Scalar_>>>)
  explicit AnySource(Source&& source) {
    using S = std::remove_cvref_t<Source>;
    detail::check_activation_source<S, Scalar>();
    if constexpr (detail::source_of_scalar<S, Scalar>) {
      impl_ = std::make_unique<detail::SourceModel<S, true>>(S(std::forward<Source>(source)));
    }
  }

  /// Refers to `source` without owning it; `source` must outlive this object.
  ///
  /// @tparam Source a type modelling `ActivationSource` with `Source::Scalar == Scalar`.
  /// @param[in] source `std::ref(source)`.
  template <class Source>
  explicit AnySource(std::reference_wrapper<Source> source) {
    static_assert(!std::is_const_v<Source>,
                  "hilm::AnySource: cannot refer to a const source (`read` changes its position); "
                  "pass std::ref(source) of a non-const source.");
    detail::check_activation_source<Source, Scalar>();
    if constexpr (detail::source_of_scalar<Source, Scalar>) {
      impl_ = std::make_unique<detail::SourceModel<Source, false>>(&source.get());
    }
  }

  /// Takes ownership of a run-time implementation.
  ///
  /// @param[in] impl non-null implementation.
  /// @throws invalid_argument if `impl` is null.
  explicit AnySource(std::unique_ptr<SourceInterface<Scalar>> impl) : impl_(std::move(impl)) {
    if (!impl_) {
      detail::raise<invalid_argument>("hilm::AnySource: parameter `impl` is a null pointer");
    }
  }

  AnySource(AnySource&&) noexcept = default;
  AnySource& operator=(AnySource&&) noexcept = default;
  AnySource(const AnySource&) = delete;
  AnySource& operator=(const AnySource&) = delete;
  ~AnySource() = default;

  /// Number of features per row, `d`.
  [[nodiscard]] Index dim() const { return checked().dim(); }

  /// Forwards to the wrapped source's `read`.
  ///
  /// @param[out] out batch buffer, `b × d` with `b >= 1`.
  /// @returns the number of rows written; 0 once the pass has ended.
  /// @throws invalid_argument if `out.cols() != dim()` or `out.rows() == 0`.
  Index read(Eigen::Ref<RowMatrix<Scalar>> out) {
    SourceInterface<Scalar>& impl = checked();
    if (out.cols() != impl.dim() || out.rows() < 1) {
      detail::raise<invalid_argument>(
          "hilm::AnySource::read: parameter `out` is " + std::to_string(out.rows()) + " × " +
          std::to_string(out.cols()) + "; expected at least 1 row and " +
          std::to_string(impl.dim()) + " columns (dim())");
    }
    return impl.read(out);
  }

  /// Forwards to the wrapped source's `rewind`.
  void rewind() { checked().rewind(); }

  /// Whether the wrapped source knows its rows per pass (`size()` may be called).
  [[nodiscard]] bool has_size() const { return checked().has_size(); }

  /// Whether the wrapped source supports `seek()`.
  [[nodiscard]] bool is_seekable() const { return checked().is_seekable(); }

  /// Rows per pass of the wrapped source.
  ///
  /// @throws invalid_argument if the wrapped source has no `size()` (see `has_size()`).
  [[nodiscard]] Index size() const {
    const SourceInterface<Scalar>& impl = checked();
    if (!impl.has_size()) {
      detail::raise<invalid_argument>(
          "hilm::AnySource::size: the wrapped source has no size(); check has_size() first");
    }
    return impl.size();
  }

  /// Makes the next `read` start at `row`.
  ///
  /// @param[in] row `0 <= row <= size()`.
  /// @throws invalid_argument if the wrapped source is not seekable (see `is_seekable()`), or
  ///         whatever the wrapped source throws for a bad `row`.
  void seek(Index row) {
    SourceInterface<Scalar>& impl = checked();
    if (!impl.is_seekable()) {
      detail::raise<invalid_argument>(
          "hilm::AnySource::seek: the wrapped source has no seek(); check is_seekable() first");
    }
    impl.seek(row);
  }

 private:
  SourceInterface<Scalar>& checked() const {
    if (!impl_) {
      detail::raise<invalid_argument>("hilm::AnySource: used after being moved from");
    }
    return *impl_;
  }

  std::unique_ptr<SourceInterface<Scalar>> impl_;
};

/// `AnySource` has `size()` and `seek()` members, but whether they work is known only at run
/// time, so it opts out of the static refinements.
template <std::floating_point Scalar>
inline constexpr bool disable_sized_source<AnySource<Scalar>> = true;

}  // namespace hilm

#endif  // HILM_SOURCES_ANY_SOURCE_HPP
