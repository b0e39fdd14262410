/// @file
/// The adaptor behind `hilm::AnySource`: a static `ActivationSource` behind the virtual
/// `SourceInterface`, plus the traits `AnySource`'s constructors are constrained with. Public API:
/// `hilm/sources/any_source.hpp`.
#ifndef HILM_SOURCES_DETAIL_SOURCE_MODEL_HPP
#define HILM_SOURCES_DETAIL_SOURCE_MODEL_HPP

#include <concepts>
#include <functional>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sources/source_interface.hpp>

namespace hilm::detail {

/// Adapts a static `ActivationSource` (held by value, or through a pointer for the referencing
/// form) to `SourceInterface`, forwarding the optional members it has.
template <class Source, bool Owning>
class SourceModel final : public SourceInterface<typename Source::Scalar> {
  using Scalar = typename Source::Scalar;
  using Held = std::conditional_t<Owning, Source, Source*>;

 public:
  explicit SourceModel(Held held) : held_(std::move(held)) {}

  [[nodiscard]] Index dim() const override { return static_cast<Index>(get().dim()); }
  Index read(Eigen::Ref<RowMatrix<Scalar>> out) override {
    return static_cast<Index>(get().read(out));
  }
  void rewind() override { get().rewind(); }
  [[nodiscard]] bool has_size() const override { return SizedActivationSource<Source>; }
  [[nodiscard]] bool is_seekable() const override { return SeekableActivationSource<Source>; }
  [[nodiscard]] Index size() const override {
    if constexpr (SizedActivationSource<Source>) return static_cast<Index>(get().size());
    return 0;
  }
  void seek([[maybe_unused]] Index row) override {
    if constexpr (SeekableActivationSource<Source>) get().seek(row);
  }

 private:
  Source& get() {
    if constexpr (Owning) {
      return held_;
    } else {
      return *held_;
    }
  }
  const Source& get() const {
    if constexpr (Owning) {
      return held_;
    } else {
      return *held_;
    }
  }

  Held held_;
};

/// `Source` is an activation source whose scalar is `Scalar` (a concept, so that the scalar test
/// is skipped when `Source` is not a source at all).
template <class Source, class Scalar>
concept source_of_scalar =
    ActivationSource<Source> && std::same_as<typename Source::Scalar, Scalar>;

template <class T>
struct is_reference_wrapper : std::false_type {};
template <class T>
struct is_reference_wrapper<std::reference_wrapper<T>> : std::true_type {};

}  // namespace hilm::detail

#endif  // HILM_SOURCES_DETAIL_SOURCE_MODEL_HPP
