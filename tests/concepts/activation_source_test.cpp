// Tests of include/hilm/concepts/activation_source.hpp: which types model the concepts.
#include <cstddef>
#include <functional>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/sources/any_source.hpp>
#include <hilm/sources/generator_source.hpp>
#include <hilm/sources/mapped_source.hpp>
#include <hilm/sources/matrix_source.hpp>

#include "support/catch.hpp"

namespace {

using hilm::Index;
using hilm::RowMatrix;

// Minimal conforming source with lenient return types (int, std::size_t).
struct Minimal {
  using Scalar = float;
  [[nodiscard]] int dim() const { return 3; }
  int read(Eigen::Ref<RowMatrix<float>> out) { return static_cast<int>(out.rows()); }
  void rewind() {}
};

struct WithSize : Minimal {
  [[nodiscard]] std::size_t size() const { return 10; }
};

struct WithSeek : WithSize {
  void seek(Index /*row*/) {}
};

// Has seek() but no size(): not seekable in hilm's sense (seek needs a known length).
struct SeekWithoutSize : Minimal {
  void seek(Index /*row*/) {}
};

struct NoScalar {
  [[nodiscard]] Index dim() const { return 3; }
  Index read(Eigen::Ref<RowMatrix<float>> out) { return out.rows(); }
  void rewind() {}
};

struct IntScalar {
  using Scalar = int;
  [[nodiscard]] Index dim() const { return 3; }
  Index read(Eigen::Ref<RowMatrix<int>> out) { return out.rows(); }
  void rewind() {}
};

struct NoRead {
  using Scalar = float;
  [[nodiscard]] Index dim() const { return 3; }
  void rewind() {}
};

struct VoidRead {
  using Scalar = float;
  [[nodiscard]] Index dim() const { return 3; }
  void read(Eigen::Ref<RowMatrix<float>> /*out*/) {}
  void rewind() {}
};

// Takes a column-major buffer: cannot be called with a row-major batch.
struct WrongBuffer {
  using Scalar = float;
  [[nodiscard]] Index dim() const { return 3; }
  Index read(Eigen::Ref<hilm::Matrix<float>> out) { return out.rows(); }
  void rewind() {}
};

struct NoRewind {
  using Scalar = float;
  [[nodiscard]] Index dim() const { return 3; }
  Index read(Eigen::Ref<RowMatrix<float>> out) { return out.rows(); }
};

struct NonConstDim {
  using Scalar = float;
  Index dim() { return 3; }
  Index read(Eigen::Ref<RowMatrix<float>> out) { return out.rows(); }
  void rewind() {}
};

struct NoDim {
  using Scalar = float;
  Index read(Eigen::Ref<RowMatrix<float>> out) { return out.rows(); }
  void rewind() {}
};

}  // namespace

TEST_CASE("concepts: a minimal source with lenient return types is accepted", "[concept]") {
  STATIC_REQUIRE(hilm::ActivationSource<Minimal>);
  STATIC_REQUIRE_FALSE(hilm::SizedActivationSource<Minimal>);
  STATIC_REQUIRE(hilm::SizedActivationSource<WithSize>);
  STATIC_REQUIRE_FALSE(hilm::SeekableActivationSource<WithSize>);
  STATIC_REQUIRE(hilm::SeekableActivationSource<WithSeek>);
  STATIC_REQUIRE_FALSE(hilm::SeekableActivationSource<SeekWithoutSize>);
  STATIC_REQUIRE(std::same_as<hilm::source_scalar_t<WithSeek>, float>);
  STATIC_REQUIRE(hilm::detail::check_activation_source<WithSeek>());
  STATIC_REQUIRE(hilm::detail::check_activation_source<const Minimal&, float>());
}

TEST_CASE("concepts: each missing or wrong member is rejected", "[concept]") {
  STATIC_REQUIRE_FALSE(hilm::ActivationSource<NoScalar>);
  STATIC_REQUIRE_FALSE(hilm::ActivationSource<IntScalar>);
  STATIC_REQUIRE_FALSE(hilm::ActivationSource<NoRead>);
  STATIC_REQUIRE_FALSE(hilm::ActivationSource<VoidRead>);
  STATIC_REQUIRE_FALSE(hilm::ActivationSource<WrongBuffer>);
  STATIC_REQUIRE_FALSE(hilm::ActivationSource<NoRewind>);
  STATIC_REQUIRE_FALSE(hilm::ActivationSource<NonConstDim>);
  STATIC_REQUIRE_FALSE(hilm::ActivationSource<NoDim>);
  STATIC_REQUIRE_FALSE(hilm::ActivationSource<int>);
}

TEST_CASE("concepts: the per-requirement traits single out the missing piece", "[concept]") {
  using namespace hilm::detail;
  STATIC_REQUIRE_FALSE(source_has_scalar<NoScalar>);
  STATIC_REQUIRE(source_has_scalar<IntScalar>);
  STATIC_REQUIRE_FALSE(source_has_floating_scalar<IntScalar>);
  STATIC_REQUIRE_FALSE(source_read_accepts_ref<NoRead>);
  STATIC_REQUIRE(source_read_accepts_ref<VoidRead>);
  STATIC_REQUIRE_FALSE(source_read_returns_index<VoidRead>);
  STATIC_REQUIRE(source_has_read_member<WrongBuffer>);
  STATIC_REQUIRE_FALSE(source_read_accepts_ref<WrongBuffer>);
  STATIC_REQUIRE_FALSE(source_has_rewind<NoRewind>);
  STATIC_REQUIRE(source_has_mutable_dim<NonConstDim>);
  STATIC_REQUIRE_FALSE(source_has_dim<NonConstDim>);
  STATIC_REQUIRE_FALSE(source_has_mutable_dim<NoDim>);
}

TEST_CASE("concepts: every built-in adaptor models the concepts it promises", "[concept]") {
  auto next = [](Eigen::Ref<RowMatrix<double>>) -> Index { return 0; };
  auto rewind = [] {};
  auto fill = [](Index, Eigen::Ref<RowMatrix<float>>) {};
  using Generator = hilm::GeneratorSource<double, decltype(next), decltype(rewind)>;
  using Indexed = hilm::IndexedGeneratorSource<float, decltype(fill)>;

  STATIC_REQUIRE(hilm::SeekableActivationSource<hilm::MatrixSource<float>>);
  STATIC_REQUIRE(hilm::SeekableActivationSource<hilm::MatrixSource<double>>);
  STATIC_REQUIRE(hilm::SeekableActivationSource<hilm::MappedSource<float>>);
  STATIC_REQUIRE(hilm::SeekableActivationSource<hilm::MappedSource<double>>);
  STATIC_REQUIRE(hilm::ActivationSource<Generator>);
  STATIC_REQUIRE_FALSE(hilm::SizedActivationSource<Generator>);
  STATIC_REQUIRE(hilm::SeekableActivationSource<Indexed>);
  // AnySource is an ActivationSource; its size()/seek() exist but are run-time capabilities.
  STATIC_REQUIRE(hilm::ActivationSource<hilm::AnySource<float>>);
  STATIC_REQUIRE(hilm::ActivationSource<hilm::AnySource<double>>);
  STATIC_REQUIRE_FALSE(hilm::SizedActivationSource<hilm::AnySource<float>>);
  STATIC_REQUIRE_FALSE(hilm::SeekableActivationSource<hilm::AnySource<float>>);
  STATIC_REQUIRE_FALSE(hilm::SizedActivationSource<const hilm::AnySource<float>>);
}
