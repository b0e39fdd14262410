#include <cmath>
#include <cstring>

#include <hilm/synth/sparse_linear.hpp>

#include "support/catch.hpp"

using hilm::Index;
using hilm::sparse_linear;
using hilm::SparseLinearOptions;

TEST_CASE("synth: sparse_linear has exactly k active codes in range and unit atoms", "[synth]") {
  const SparseLinearOptions options{
      .samples = 2000, .features = 16, .latents = 8, .active = 3, .seed = hilm::test::seed(1)};
  const auto data = sparse_linear<double>(options);
  REQUIRE(data.x.rows() == 2000);
  REQUIRE(data.x.cols() == 16);
  REQUIRE(data.codes.rows() == 2000);
  REQUIRE(data.codes.cols() == 8);
  REQUIRE(data.atoms.rows() == 8);
  REQUIRE(data.atoms.cols() == 16);
  for (Index j = 0; j < 8; ++j) {
    CHECK_THAT(data.atoms.row(j).norm(), Catch::Matchers::WithinAbs(1.0, 1e-12));
  }
  Eigen::VectorXd usage = Eigen::VectorXd::Zero(8);
  for (Index i = 0; i < data.codes.rows(); ++i) {
    Index active = 0;
    for (Index j = 0; j < 8; ++j) {
      const double c = data.codes(i, j);
      if (c != 0) {
        ++active;
        usage(j) += 1;
        REQUIRE(c >= 0.5);
        REQUIRE(c < 1.5);
      }
    }
    REQUIRE(active == 3);
  }
  // Every latent is used about 3/8 of the time (binomial sd ≈ 22 for n = 2000).
  for (Index j = 0; j < 8; ++j) CHECK(std::abs(usage(j) - 750.0) < 150.0);
  // Noiseless: x is exactly codes · atoms up to rounding.
  const Eigen::MatrixXd residual = data.x - data.codes * data.atoms;
  CHECK(residual.cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("synth: sparse_linear same seed gives the same bytes, other seeds differ", "[synth]") {
  const SparseLinearOptions options{.samples = 300,
                                    .features = 12,
                                    .latents = 6,
                                    .active = 2,
                                    .noise = 0.1,
                                    .seed = hilm::test::seed(2)};
  const auto a = sparse_linear<float>(options);
  const auto b = sparse_linear<float>(options);
  REQUIRE(std::memcmp(a.x.data(), b.x.data(),
                      sizeof(float) * static_cast<std::size_t>(a.x.size())) == 0);
  REQUIRE(std::memcmp(a.codes.data(), b.codes.data(),
                      sizeof(float) * static_cast<std::size_t>(a.codes.size())) == 0);
  SparseLinearOptions other = options;
  other.seed += 1;
  const auto c = sparse_linear<float>(other);
  REQUIRE((a.x - c.x).cwiseAbs().maxCoeff() > 0.1f);
  // Noise has its own stream: changing it leaves codes and atoms unchanged.
  SparseLinearOptions quiet = options;
  quiet.noise = 0;
  const auto q = sparse_linear<float>(quiet);
  REQUIRE(q.codes == a.codes);
  REQUIRE(q.atoms == a.atoms);
  const Eigen::MatrixXf noise = a.x - q.x;
  const double sd = std::sqrt(noise.squaredNorm() / static_cast<double>(noise.size()));
  CHECK(std::abs(sd - 0.1) < 0.01);
}

TEST_CASE("synth: sparse_linear coherence bound is met and reported", "[synth]") {
  SparseLinearOptions options{
      .samples = 10, .features = 8, .latents = 16, .seed = hilm::test::seed(3)};
  const auto loose = sparse_linear<double>(options);
  options.max_coherence = 0.6;
  const auto tight = sparse_linear<double>(options);
  auto measured = [](const hilm::RowMatrix<double>& atoms) {
    Eigen::MatrixXd gram = (atoms * atoms.transpose()).cwiseAbs();
    gram.diagonal().setZero();
    return gram.maxCoeff();
  };
  CHECK_THAT(tight.coherence, Catch::Matchers::WithinAbs(measured(tight.atoms), 1e-12));
  CHECK_THAT(loose.coherence, Catch::Matchers::WithinAbs(measured(loose.atoms), 1e-12));
  CHECK(tight.coherence <= 0.6);
  // Without the bound, some pair of 16 random directions in R^8 has |cos| > 0.6 (each of the 120
  // pairs does with probability about 0.1).
  CHECK(loose.coherence > 0.6);
}

TEST_CASE("synth: sparse_linear Bernoulli rate and dense control", "[synth]") {
  const auto bern = sparse_linear<double>(SparseLinearOptions{
      .samples = 4000, .features = 8, .latents = 10, .rate = 0.2, .seed = hilm::test::seed(4)});
  const double fraction = static_cast<double>((bern.codes.array() != 0).count()) /
                          static_cast<double>(bern.codes.size());
  CHECK(std::abs(fraction - 0.2) < 0.01);  // sd of the fraction ≈ 0.002
  Index rows_not_three = 0;
  for (Index i = 0; i < bern.codes.rows(); ++i) {
    rows_not_three += (bern.codes.row(i).array() != 0).count() != 2 ? 1 : 0;
  }
  CHECK(rows_not_three > 1000);  // activity varies per row, unlike the exactly-k mode

  const auto dense = sparse_linear<double>(SparseLinearOptions{
      .samples = 500, .features = 8, .latents = 10, .dense = true, .seed = hilm::test::seed(5)});
  CHECK((dense.codes.array() != 0).all());
  CHECK((dense.codes.array() >= 0.5).all());
  const auto gauss = sparse_linear<double>(SparseLinearOptions{.samples = 500,
                                                               .features = 8,
                                                               .latents = 10,
                                                               .dense = true,
                                                               .gaussian_dense = true,
                                                               .seed = hilm::test::seed(6)});
  CHECK((gauss.codes.array() < 0).any());
  CHECK((gauss.x - gauss.codes * gauss.atoms).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("synth: sparse_linear rejects bad options naming the field", "[synth]") {
  auto message = [](const SparseLinearOptions& o) {
    try {
      (void)sparse_linear<double>(o);
    } catch (const hilm::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message(SparseLinearOptions{.latents = 4, .active = 5}).find("active") !=
        std::string::npos);
  CHECK(message(SparseLinearOptions{.samples = 0}).find("samples") != std::string::npos);
  CHECK(message(SparseLinearOptions{.rate = 1.5}).find("rate") != std::string::npos);
  CHECK(message(SparseLinearOptions{.value_min = 2, .value_max = 1}).find("value_min") !=
        std::string::npos);
  CHECK(message(SparseLinearOptions{.noise = -1}).find("noise") != std::string::npos);
  CHECK(message(SparseLinearOptions{.max_coherence = 0}).find("max_coherence") !=
        std::string::npos);
  CHECK_FALSE(SparseLinearOptions{}.validate().has_value());
}

TEST_CASE("synth: sparse_linear at the T9 size is fast enough to use in tests", "[synth]") {
  const auto data = sparse_linear<float>(SparseLinearOptions{.seed = hilm::test::seed(7)});
  REQUIRE(data.x.rows() == 50000);
  REQUIRE(data.x.cols() == 64);
  REQUIRE(data.codes.cols() == 32);
  CHECK(((data.codes.array() != 0).rowwise().count() == 3).all());
}

TEST_CASE("synth: SparseLinearOptions::validate uses the one message format", "[synth]") {
  CHECK(SparseLinearOptions{.samples = 0}.validate().value_or("") ==
        "SparseLinearOptions::samples must be >= 1, got 0");
  CHECK(SparseLinearOptions{.latents = 4, .active = 5}.validate().value_or("") ==
        "SparseLinearOptions::active must lie in [0, latents=4], got 5");
  CHECK(SparseLinearOptions{.max_coherence = 0}.validate().value_or("") ==
        "SparseLinearOptions::max_coherence must lie in (0, 1], got 0");
}
