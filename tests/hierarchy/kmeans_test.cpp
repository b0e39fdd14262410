#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/kmeans.hpp>
#include <hilm/metrics/clustering.hpp>

#include "support/catch.hpp"
#include "support/messages.hpp"

using hilm::Index;
using hilm::IndexVector;
using hilm::KMeansInit;
using hilm::KMeansOptions;
using hilm::Random;
using hilm::RowMatrix;

namespace {

/// k isotropic Gaussian blobs (standard deviation `spread`) around centres drawn uniformly in
/// [−scale, scale]^d and resampled until every pair is at least `min_distance` apart.
struct Blobs {
  RowMatrix<double> x;
  RowMatrix<double> centers;
  IndexVector labels;
};

Blobs make_blobs(Index n, Index d, Index k, double spread, double min_distance, Random& rng) {
  Blobs b;
  b.centers.resize(k, d);
  for (Index j = 0; j < k; ++j) {
    for (;;) {
      for (Index c = 0; c < d; ++c) b.centers(j, c) = rng.uniform(-10, 10);
      bool far = true;
      for (Index i = 0; i < j; ++i)
        far = far && (b.centers.row(i) - b.centers.row(j)).norm() >= min_distance;
      if (far) break;
    }
  }
  b.x.resize(n, d);
  b.labels.resize(n);
  for (Index i = 0; i < n; ++i) {
    b.labels(i) = static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(k)));
    for (Index c = 0; c < d; ++c) b.x(i, c) = b.centers(b.labels(i), c) + spread * rng.normal();
  }
  return b;
}

using hilm::test::message_of;

}  // namespace

TEST_CASE("kmeans: k-means++ recovers well-separated blobs", "[hierarchy][kmeans]") {
  Random rng(hilm::test::seed(101));
  const Blobs b = make_blobs(1500, 4, 6, 0.5, 6.0, rng);
  const auto r = hilm::kmeans(b.x, KMeansOptions{.clusters = 6, .seed = hilm::test::seed(102)});
  REQUIRE(r.usable());
  CHECK(r.status == hilm::FitStatus::Converged);
  CHECK(hilm::adjusted_rand_index(b.labels, r.labels) == 1.0);
  // Each estimated centre is the sample mean of one blob: within a few standard errors of the
  // planted centre (0.5 / √250 ≈ 0.03 per coordinate).
  for (Index j = 0; j < 6; ++j) {
    double nearest = std::numeric_limits<double>::infinity();
    for (Index t = 0; t < 6; ++t)
      nearest = std::min(nearest, (r.centers.row(j) - b.centers.row(t)).norm());
    CHECK(nearest < 0.3);
  }
  // Inertia is what it claims to be.
  double inertia = 0;
  for (Index i = 0; i < b.x.rows(); ++i)
    inertia += (b.x.row(i) - r.centers.row(r.labels(i))).squaredNorm();
  CHECK_THAT(r.inertia, Catch::Matchers::WithinRel(inertia, 1e-12));
  // The labels are the nearest centres.
  CHECK(hilm::kmeans_predict(b.x, r.centers) == r.labels);
  // Float input gives the same partition.
  const RowMatrix<float> xf = b.x.cast<float>();
  const auto rf = hilm::kmeans(xf, KMeansOptions{.clusters = 6, .seed = hilm::test::seed(102)});
  CHECK(hilm::adjusted_rand_index(b.labels, rf.labels) == 1.0);
}

TEST_CASE("kmeans: too few clusters cannot separate the blobs (negative control)",
          "[hierarchy][kmeans]") {
  Random rng(hilm::test::seed(103));
  const Blobs b = make_blobs(1200, 3, 5, 0.5, 6.0, rng);
  const auto r = hilm::kmeans(b.x, KMeansOptions{.clusters = 4, .seed = hilm::test::seed(104)});
  CHECK(hilm::adjusted_rand_index(b.labels, r.labels) < 0.95);
}

TEST_CASE("kmeans: same seed gives the same result for any thread count", "[hierarchy][kmeans]") {
  Random rng(hilm::test::seed(105));
  // Large enough (n k d >= 2^22) that the parallel loops really run in parallel.
  const Blobs b = make_blobs(42000, 10, 10, 3.0, 4.0, rng);
  const KMeansOptions options{.clusters = 10, .restarts = 2, .seed = hilm::test::seed(106)};
  hilm::KMeansResult one, two, again;
  {
    const hilm::ScopedThreads threads(1);
    one = hilm::kmeans(b.x, options);
  }
  {
    const hilm::ScopedThreads threads(2);
    two = hilm::kmeans(b.x, options);
    again = hilm::kmeans(b.x, options);
  }
  CHECK(one.labels == two.labels);
  CHECK(one.centers == two.centers);
  CHECK(one.inertia == two.inertia);
  CHECK(two.labels == again.labels);
  CHECK(two.centers == again.centers);
  // A different seed starts elsewhere (the seeding draws differ).
  KMeansOptions other = options;
  other.seed = options.seed + 1;
  other.max_iterations = 1;
  KMeansOptions same = options;
  same.max_iterations = 1;
  CHECK(hilm::kmeans(b.x, other).centers != hilm::kmeans(b.x, same).centers);
}

TEST_CASE("kmeans: empty clusters are repaired", "[hierarchy][kmeans]") {
  // 200 copies of one point and one copy each of two others: uniform (Forgy) seeding often
  // picks the repeated point twice, leaving a cluster empty after the first assignment.
  RowMatrix<double> x = RowMatrix<double>::Zero(202, 2);
  x.row(200) << 5, 0;
  x.row(201) << 0, 5;
  Index repaired = 0;
  for (std::uint64_t s = 0; s < 20; ++s) {
    const auto r = hilm::kmeans(x, KMeansOptions{.clusters = 3,
                                                 .restarts = 1,
                                                 .init = KMeansInit::Random,
                                                 .seed = hilm::test::seed(107) + s});
    repaired += r.empty_cluster_repairs;
    CHECK(r.inertia == 0.0);
    IndexVector sizes = IndexVector::Zero(3);
    for (Index i = 0; i < x.rows(); ++i) ++sizes(r.labels(i));
    CHECK(sizes.minCoeff() >= 1);
  }
  CHECK(repaired > 0);  // the repair path was exercised
}

TEST_CASE("kmeans: bad arguments throw invalid_argument naming the parameter",
          "[hierarchy][kmeans]") {
  const RowMatrix<double> x = RowMatrix<double>::Random(10, 2);
  CHECK_THAT(message_of([&] { (void)hilm::kmeans(x, KMeansOptions{}); }),
             Catch::Matchers::Contains("clusters"));
  CHECK_THAT(
      message_of([&] { (void)hilm::kmeans(x, KMeansOptions{.clusters = 2, .restarts = 0}); }),
      Catch::Matchers::Contains("restarts"));
  CHECK_THAT(
      message_of([&] { (void)hilm::kmeans(x, KMeansOptions{.clusters = 2, .max_iterations = 0}); }),
      Catch::Matchers::Contains("max_iterations"));
  CHECK_THAT(
      message_of([&] { (void)hilm::kmeans(x, KMeansOptions{.clusters = 2, .tolerance = -1}); }),
      Catch::Matchers::Contains("tolerance"));
  CHECK_THAT(message_of([&] { (void)hilm::kmeans(x, KMeansOptions{.clusters = 11}); }),
             Catch::Matchers::Contains("rows"));
  RowMatrix<double> bad = x;
  bad(3, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THAT(message_of([&] {
               (void)hilm::kmeans(bad, KMeansOptions{.clusters = 2, .check_finite = true});
             }),
             Catch::Matchers::Contains("x(3, 1)"));
  CHECK_THAT(message_of([&] { (void)hilm::kmeans_predict(x, RowMatrix<double>::Zero(2, 3)); }),
             Catch::Matchers::Contains("centers"));
}

TEST_CASE("kmeans: option messages use the one format and kmeans() adds no prefix",
          "[hierarchy][kmeans]") {
  CHECK(KMeansOptions{}.validate() == "KMeansOptions::clusters must be >= 1, got 0");
  CHECK(KMeansOptions{.clusters = 2, .restarts = 0}.validate() ==
        "KMeansOptions::restarts must be >= 1, got 0");
  CHECK(KMeansOptions{.clusters = 2, .max_iterations = 0}.validate() ==
        "KMeansOptions::max_iterations must be >= 1, got 0");
  CHECK(KMeansOptions{.clusters = 2, .tolerance = -0.5}.validate() ==
        "KMeansOptions::tolerance must be finite and >= 0, got -0.5");
  CHECK(KMeansOptions{.clusters = 2, .seeding_trials = -1}.validate() ==
        "KMeansOptions::seeding_trials must be >= 0, got -1");
  const RowMatrix<double> x = RowMatrix<double>::Random(10, 2);
  CHECK(message_of([&] { (void)hilm::kmeans(x, KMeansOptions{}); }) ==
        "KMeansOptions::clusters must be >= 1, got 0");
}
