// Tests of include/hilm/sae/stability.hpp and of training from a memory-mapped .npy file.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/io/npy.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sae/stability.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/sources/npy_file_source.hpp>
#include <hilm/synth/sparse_linear.hpp>

#include "support/catch.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::Index;
using hilm::RowMatrix;
using hilm::SaeOptions;

// Forwards a sized, seekable source and records the largest read it was asked for.
template <class Inner>
class CountingSource {
 public:
  using Scalar = typename Inner::Scalar;
  explicit CountingSource(Inner& inner) : inner_(inner) {}
  [[nodiscard]] Index dim() const { return inner_.dim(); }
  [[nodiscard]] Index size() const { return inner_.size(); }
  Index read(Eigen::Ref<RowMatrix<Scalar>> out) {
    max_request = std::max(max_request, out.rows());
    return inner_.read(out);
  }
  void rewind() { inner_.rewind(); }
  void seek(Index row) { inner_.seek(row); }
  Index max_request = 0;

 private:
  Inner& inner_;
};

}  // namespace

TEST_CASE("sae: stability separates reproducible latents from seed artefacts", "[sae]") {
  auto score = [](bool dense) {
    const auto data = hilm::sparse_linear<float>({.samples = 12000,
                                                  .features = 24,
                                                  .latents = 12,
                                                  .active = 2,
                                                  .dense = dense,
                                                  .seed = hilm::test::seed(41)});
    hilm::MatrixSource source(data.x);
    const SaeOptions options{.latents = 12,
                             .k = 2,
                             .batch_size = 128,
                             .epochs = 4,
                             .learning_rate = 0.003,
                             .dead_after_rows = 4000};
    const auto s = hilm::sae_stability<float>(source, options, {1, 2, 3});
    REQUIRE(s.models.size() == 3);
    REQUIRE(s.agreement.rows() == 3);
    REQUIRE(s.agreement.cols() == 12);
    CHECK(s.pairwise(0, 0) == 1.0);
    CHECK((s.agreement.array() <= 1.0 + 1e-12).all());
    return s;
  };
  const auto sparse = score(false);
  const auto dense = score(true);
  INFO("sparse: mean agreement " << sparse.mean << ", stable " << sparse.stable_fraction
                                 << "; dense: " << dense.mean << ", stable "
                                 << dense.stable_fraction);
  CHECK(sparse.mean > 0.8);
  CHECK(dense.mean < 0.75);
  CHECK(sparse.stable_fraction > dense.stable_fraction);
  CHECK_THROWS_AS(
      [] {
        RowMatrix<float> x = RowMatrix<float>::Ones(10, 3);
        hilm::MatrixSource source(x);
        return hilm::sae_stability<float>(source, SaeOptions{.latents = 2, .k = 1}, {1});
      }(),
      hilm::invalid_argument);
}

TEST_CASE("sae: training from a memory-mapped .npy file matches training in memory", "[sae]") {
  hilm::test::TempDir dir;
  const auto data = hilm::sparse_linear<float>(
      {.samples = 20000, .features = 16, .latents = 8, .active = 2, .seed = hilm::test::seed(42)});
  const std::string path = dir.file("x.npy");
  hilm::write_npy(path, data.x);
  // The file holds 20 buffers' worth of rows: training must stream it in bounded reads.
  const SaeOptions options{.latents = 16,
                           .k = 2,
                           .batch_size = 100,
                           .epochs = 2,
                           .learning_rate = 0.003,
                           .init_sample_rows = 500,
                           .shuffle_buffer_rows = 1000,
                           .seed = 3};
  hilm::NpyFileSource<float> file(path);
  CountingSource counted(file);
  hilm::SparseAutoencoder<float> streamed(options);
  const auto result = streamed.fit(counted);
  CHECK(result.status == hilm::FitStatus::MaxIterations);
  CHECK(result.epochs >= 1);
  CHECK(counted.max_request <= 1000);
  CHECK(result.metrics.explained_variance > 0.9);

  hilm::MatrixSource memory(data.x);
  hilm::SparseAutoencoder<float> in_memory(options);
  (void)in_memory.fit(memory);
  CHECK(streamed.weights().w_dec == in_memory.weights().w_dec);
  CHECK(streamed.weights().w_enc == in_memory.weights().w_enc);
}
