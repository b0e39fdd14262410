// Tests of include/hilm/nmf/nmf.hpp: DESIGN.md T1 and T4, monotone objectives for every solver,
// planted recovery, canonical form, sparse and masked input, penalties and argument checks.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SVD>
#include <Eigen/SparseCore>

#include <hilm/core/random.hpp>
#include <hilm/metrics/dictionary.hpp>
#include <hilm/metrics/mcc.hpp>
#include <hilm/nmf/nmf.hpp>

#include "support/catch.hpp"
#include "support/generators.hpp"

namespace {

using hilm::Index;
using hilm::Matrix;
using hilm::NmfOptions;
using hilm::NmfSolver;
using hilm::Vector;

Matrix<double> uniform_matrix(hilm::Random& random, Index rows, Index cols, double zero_p = 0) {
  Matrix<double> a(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) a(i, j) = random.bernoulli(zero_p) ? 0.0 : random.uniform();
  return a;
}

using hilm::test::random_cpt;
using hilm::test::t4_matrix;

Matrix<double> reconstruct(const hilm::NmfResult<double>& fit) {
  return fit.w * fit.d.asDiagonal() * fit.h;
}

bool non_increasing(const std::vector<double>& history, double slack = 1e-10) {
  for (std::size_t t = 1; t < history.size(); ++t) {
    if (history[t] > history[t - 1] + slack * std::abs(history[t - 1])) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("nmf: T4 rank 3 but non-negative rank 4", "[nmf][identifiability]") {
  const Matrix<double> a = t4_matrix();
  Eigen::JacobiSVD<Matrix<double>> svd(a);
  const Vector<double> s = svd.singularValues();
  CHECK(s(2) > 0.5);
  CHECK(s(3) < 1e-12);  // ordinary rank 3
  double best3 = 1e300, best4 = 1e300;
  for (const auto solver : {NmfSolver::Hals, NmfSolver::AlternatingNnls}) {
    for (const auto init : {hilm::NmfInit::Nndsvda, hilm::NmfInit::Nndsvd, hilm::NmfInit::Random}) {
      for (std::uint64_t seed = 0; seed < 8; ++seed) {
        const NmfOptions options{.rank = 3,
                                 .solver = solver,
                                 .init = init,
                                 .max_iterations = 2000,
                                 .tolerance = 1e-12,
                                 .seed = hilm::test::seed(100 + seed)};
        const auto fit = hilm::nmf(a, options);
        REQUIRE(fit.usable());
        best3 = std::min(best3, (a - reconstruct(fit)).norm());
        auto options4 = options;
        options4.rank = 4;
        best4 = std::min(best4, (a - reconstruct(hilm::nmf(a, options4))).norm());
      }
    }
  }
  CHECK(best3 > 0.5);   // no rank-3 non-negative factorisation comes close
  CHECK(best4 < 1e-6);  // negative control: rank 4 is exact
}

TEST_CASE("nmf: T1 table rank equals the separating support and an exact NMF exists",
          "[nmf][identifiability]") {
  hilm::Random random(hilm::test::seed(200));
  // One 3-state latent L, three 4-state children with full-rank CPTs.
  std::vector<double> prior(3);
  random.dirichlet(2.0, prior);
  const Matrix<double> c1 = random_cpt(random, 4, 3), c2 = random_cpt(random, 4, 3),
                       c3 = random_cpt(random, 4, 3);
  // P(X1, (X2, X3)): 4 × 16, column index x2 + 4·x3.
  Matrix<double> table = Matrix<double>::Zero(4, 16);
  for (Index l = 0; l < 3; ++l)
    for (Index x1 = 0; x1 < 4; ++x1)
      for (Index x2 = 0; x2 < 4; ++x2)
        for (Index x3 = 0; x3 < 4; ++x3)
          table(x1, x2 + 4 * x3) +=
              prior[static_cast<std::size_t>(l)] * c1(x1, l) * c2(x2, l) * c3(x3, l);
  const Vector<double> s = Eigen::JacobiSVD<Matrix<double>>(table).singularValues();
  CHECK(s(3) < 1e-10 * s(0));
  CHECK(s(2) > 1e-4 * s(0));
  // A non-negative factorisation of inner size 3 exists; NMF finds it.
  double best = 1;
  for (std::uint64_t seed = 0; seed < 4 && best > 1e-5; ++seed) {
    const auto fit = hilm::nmf(table, {.rank = 3,
                                       .init = hilm::NmfInit::Random,
                                       .max_iterations = 20000,
                                       .tolerance = 0,
                                       .seed = hilm::test::seed(210 + seed)});
    best = std::min(best, fit.relative_error);
  }
  CHECK(best < 1e-5);
  // Negative control: two components cannot reproduce a rank-3 table.
  CHECK(hilm::nmf(table, {.rank = 2, .max_iterations = 2000}).relative_error > 1e-3);

  // Children of two independent latents: the table is rank one, and the rank-1 NMF in canonical
  // (sum) form returns the two marginals with d = 1.
  std::vector<double> q1(2), q2(3);
  random.dirichlet(1.0, q1);
  random.dirichlet(1.0, q2);
  const Matrix<double> d1 = random_cpt(random, 4, 2), d2 = random_cpt(random, 5, 3);
  const Vector<double> p1 = d1 * Eigen::Map<Vector<double>>(q1.data(), 2);
  const Vector<double> p2 = d2 * Eigen::Map<Vector<double>>(q2.data(), 3);
  const Matrix<double> independent = p1 * p2.transpose();
  const Vector<double> si = Eigen::JacobiSVD<Matrix<double>>(independent).singularValues();
  CHECK(si(1) < 1e-12);
  const auto fit = hilm::nmf(independent, {.rank = 1, .max_iterations = 50});
  CHECK_THAT(fit.d(0), Catch::Matchers::WithinAbs(1.0, 1e-10));
  CHECK((fit.w.col(0) - p1).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((fit.h.row(0).transpose() - p2).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("nmf: the objective never increases, for every solver", "[nmf][monotone]") {
  hilm::Random random(hilm::test::seed(300));
  const Matrix<double> a = uniform_matrix(random, 40, 30, 0.3);
  Matrix<double> mask = Matrix<double>::Ones(40, 30);
  for (Index j = 0; j < 30; ++j)
    for (Index i = 0; i < 40; ++i) mask(i, j) = random.bernoulli(0.2) ? 0 : 1;
  const hilm::SparseMatrix<double> sparse = a.sparseView();
  struct Case {
    std::string name;
    NmfOptions options;
  };
  std::vector<Case> cases;
  for (const auto solver : {NmfSolver::Hals, NmfSolver::AlternatingNnls}) {
    cases.push_back({"als", {.rank = 5, .solver = solver, .max_iterations = 60, .tolerance = 0}});
    cases.push_back({"als-penalised",
                     {.rank = 5,
                      .solver = solver,
                      .max_iterations = 60,
                      .tolerance = 0,
                      .l1_w = 0.1,
                      .l1_h = 0.05,
                      .l2_w = 0.2,
                      .l2_h = 0.3}});
  }
  for (const double beta : {0.0, 0.5, 1.0, 1.5, 2.0, 3.0}) {
    cases.push_back({"mu-beta-" + std::to_string(beta),
                     {.rank = 5,
                      .solver = NmfSolver::MultiplicativeUpdate,
                      .beta = beta,
                      .max_iterations = 60,
                      .tolerance = 0}});
  }
  cases.push_back({"mu-penalised",
                   {.rank = 5,
                    .solver = NmfSolver::MultiplicativeUpdate,
                    .beta = 1.0,
                    .max_iterations = 60,
                    .tolerance = 0,
                    .l1_w = 0.1,
                    .l1_h = 0.1}});
  for (const auto& c : cases) {
    INFO(c.name << " solver " << static_cast<int>(c.options.solver));
    // Zeros in the data make β ≤ 0 infinite; use strictly positive data there.
    const Matrix<double> data = c.options.beta <= 0 ? Matrix<double>(a.array() + 0.1) : a;
    const auto dense = hilm::nmf(data, c.options);
    REQUIRE(dense.loss_history.size() == 60);
    CHECK(non_increasing(dense.loss_history));
    CHECK(dense.loss_history.back() < dense.loss_history.front());
    const auto masked = hilm::nmf(data, mask, c.options);
    CHECK(non_increasing(masked.loss_history));
    if (c.options.beta > 0) {
      const hilm::SparseMatrix<double> sp = data.sparseView();
      CHECK(non_increasing(hilm::nmf(sp, c.options).loss_history));
    }
  }
}

TEST_CASE("nmf: exact recovery of a planted rank-5 factorisation with one nonzero per column",
          "[nmf][recovery]") {
  hilm::Random random(hilm::test::seed(400));
  const Index m = 60, n = 200, k = 5;
  // W has a private row per component (so the factorisation is unique up to scale and order);
  // H has exactly one nonzero per column.
  Matrix<double> w = uniform_matrix(random, m, k, 0.3);
  w.topRows(k) = Matrix<double>::Identity(k, k);
  Matrix<double> h = Matrix<double>::Zero(k, n);
  for (Index j = 0; j < n; ++j)
    h(j % k == 0 ? 0 : static_cast<Index>(random.uniform_index(k)), j) = random.uniform(0.5, 2.0);
  for (Index l = 0; l < k; ++l) h(l, l) = 1.0;  // every component is used
  const Matrix<double> a = w * h;
  for (const auto solver : {NmfSolver::Hals, NmfSolver::AlternatingNnls}) {
    const auto fit =
        hilm::nmf(a, {.rank = k, .solver = solver, .max_iterations = 3000, .tolerance = 1e-14});
    INFO("solver " << static_cast<int>(solver));
    CHECK(fit.relative_error < 1e-6);
    // Match components by cosine of W columns, then compare normalised factors.
    const auto match = hilm::dictionary_recovery(w.transpose(), fit.w.transpose());
    for (Index l = 0; l < k; ++l) {
      const Index e = match.assignment(l);
      REQUIRE(e >= 0);
      const double w_error = (w.col(l).normalized() - fit.w.col(e).normalized()).norm();
      const double h_error = (h.row(l).normalized() - fit.h.row(e).normalized()).norm();
      CHECK(w_error < 0.1);
      CHECK(h_error < 0.1);
    }
  }
}

TEST_CASE("nmf: planted noisy factors are recovered (matched correlation > 0.9)",
          "[nmf][recovery]") {
  hilm::Random random(hilm::test::seed(500));
  const Index m = 400, n = 120, k = 6;
  Matrix<double> w(m, k), h(k, n);
  for (Index l = 0; l < k; ++l) {
    for (Index i = 0; i < m; ++i) w(i, l) = random.bernoulli(0.5) ? random.exponential() : 0;
    for (Index j = 0; j < n; ++j) h(l, j) = random.bernoulli(0.5) ? random.exponential() : 0;
  }
  Matrix<double> a = w * h;
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < m; ++i) a(i, j) = std::max(0.0, a(i, j) + 0.05 * random.normal());
  const auto fit = hilm::nmf(a, {.rank = k, .max_iterations = 500, .tolerance = 1e-8});
  const auto score = hilm::mcc(w, fit.w);
  CHECK(score.mean > 0.9);
  const auto score_h = hilm::mcc(h.transpose(), fit.h.transpose());
  CHECK(score_h.mean > 0.9);
  // Negative control: a random factor of the same shape does not match.
  const Matrix<double> unrelated = uniform_matrix(random, m, k);
  CHECK(hilm::mcc(w, unrelated).mean < 0.5);
}

TEST_CASE("nmf: NNDSVD initialisation is no worse than the mean", "[nmf][init]") {
  // ‖WH − A‖ ≤ ‖A − mean(A)‖. For rank 1 this is a theorem: NNDSVD's first term is the best
  // rank-1 approximation (Perron–Frobenius makes the leading singular vectors non-negative) and
  // mean(A)·11ᵀ is one rank-1 candidate. For higher ranks the positive parts of further triplets
  // keep it at the ranks NMF is used at (k ≤ min(m, n) / 5); a fit started there keeps it at every
  // rank.
  hilm::Random random(hilm::test::seed(600));
  for (int trial = 0; trial < 30; ++trial) {
    const Index m = 5 + static_cast<Index>(random.uniform_index(60));
    const Index n = 5 + static_cast<Index>(random.uniform_index(60));
    const Index small = std::max<Index>(1, std::min(m, n) / 5);
    const Index k = 1 + static_cast<Index>(random.uniform_index(static_cast<std::uint64_t>(small)));
    const Index any_k =
        1 +
        static_cast<Index>(random.uniform_index(static_cast<std::uint64_t>(std::min(m, n) - 1)));
    const Matrix<double> a = uniform_matrix(random, m, n, random.uniform(0, 0.6));
    const double bound = (a.array() - a.mean()).matrix().norm();
    const auto seed = hilm::test::seed(610 + static_cast<unsigned>(trial));
    INFO("trial " << trial << ": " << m << " x " << n << " rank " << k << " / " << any_k);
    const auto init =
        hilm::nmf(a, {.rank = k, .init = hilm::NmfInit::Nndsvd, .max_iterations = 0, .seed = seed});
    CHECK((a - reconstruct(init)).norm() <= bound * (1 + 1e-9));
    const auto fit = hilm::nmf(
        a, {.rank = any_k, .init = hilm::NmfInit::Nndsvd, .max_iterations = 50, .seed = seed});
    CHECK((a - reconstruct(fit)).norm() <= bound * (1 + 1e-9));
    // Rank 1: exactly the leading singular triplet.
    const auto one =
        hilm::nmf(a, {.rank = 1, .init = hilm::NmfInit::Nndsvd, .max_iterations = 0, .seed = seed});
    Eigen::JacobiSVD<Matrix<double>> svd(a, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Matrix<double> best1 =
        svd.singularValues()(0) * svd.matrixU().col(0) * svd.matrixV().col(0).transpose();
    CHECK((reconstruct(one) - best1).norm() <= 1e-6 * a.norm());
  }
}

TEST_CASE("nmf: canonical form, determinism and normalisation options", "[nmf][canonical]") {
  hilm::Random random(hilm::test::seed(700));
  const Matrix<double> a = uniform_matrix(random, 50, 30);
  const NmfOptions options{.rank = 4, .max_iterations = 100, .seed = 3};
  const auto fit = hilm::nmf(a, options);
  REQUIRE(fit.status != hilm::FitStatus::NotRun);
  for (Index l = 0; l < 4; ++l) {
    CHECK_THAT(fit.w.col(l).sum(), Catch::Matchers::WithinAbs(1.0, 1e-12));
    CHECK_THAT(fit.h.row(l).sum(), Catch::Matchers::WithinAbs(1.0, 1e-12));
    if (l > 0) CHECK(fit.d(l - 1) >= fit.d(l));
  }
  CHECK_THAT((a - reconstruct(fit)).norm() / a.norm(),
             Catch::Matchers::WithinAbs(fit.relative_error, 1e-10));
  const auto again = hilm::nmf(a, options);
  CHECK(again.w == fit.w);
  CHECK(again.h == fit.h);
  CHECK(again.d == fit.d);
  auto euclid = options;
  euclid.normalization = hilm::NmfNormalization::Euclidean;
  const auto fe = hilm::nmf(a, euclid);
  for (Index l = 0; l < 4; ++l)
    CHECK_THAT(fe.w.col(l).norm(), Catch::Matchers::WithinAbs(1.0, 1e-12));
  CHECK((reconstruct(fe) - reconstruct(fit)).norm() < 1e-10 * a.norm());
  auto raw = options;
  raw.canonical = false;
  const auto fr = hilm::nmf(a, raw);
  CHECK(fr.d == Vector<double>::Ones(4));
  CHECK((reconstruct(fr) - reconstruct(fit)).norm() < 1e-10 * a.norm());
}

TEST_CASE("nmf: sparse input gives the dense answer", "[nmf][sparse]") {
  hilm::Random random(hilm::test::seed(800));
  const Matrix<double> a = uniform_matrix(random, 70, 45, 0.7);
  const hilm::SparseMatrix<double> sparse = a.sparseView();
  const hilm::SparseRowMatrix<double> sparse_rows = a.sparseView();
  for (const NmfOptions& options : {NmfOptions{.rank = 4, .max_iterations = 40, .tolerance = 0},
                                    NmfOptions{.rank = 4,
                                    .solver = NmfSolver::MultiplicativeUpdate,
                                    .beta = 1.0,
                                    .max_iterations = 40,
                                    .tolerance = 0},
                                    NmfOptions{.rank = 4,
                                    .solver = NmfSolver::MultiplicativeUpdate,
                                    .beta = 1.5,
                                    .max_iterations = 40,
                                    .tolerance = 0}}) {
    const auto dense = hilm::nmf(a, options);
    for (const auto& fit : {hilm::nmf(sparse, options), hilm::nmf(sparse_rows, options)}) {
      CHECK_THAT(fit.relative_error, Catch::Matchers::WithinAbs(dense.relative_error, 1e-8));
      CHECK_THAT(fit.loss, Catch::Matchers::WithinRel(dense.loss, 1e-8));
      CHECK((reconstruct(fit) - reconstruct(dense)).norm() < 1e-6 * a.norm());
    }
  }
}

TEST_CASE("nmf: a mask ignores missing entries and predicts them", "[nmf][mask]") {
  hilm::Random random(hilm::test::seed(900));
  const Index m = 60, n = 40;
  // Sparse planted factors make the factorisation (and so the completion) unique.
  const Matrix<double> a = uniform_matrix(random, m, 3, 0.4) * uniform_matrix(random, 3, n, 0.4);
  Matrix<double> observed_data = a;
  Matrix<int> mask(m, n);
  for (Index j = 0; j < n; ++j) {
    for (Index i = 0; i < m; ++i) {
      mask(i, j) = random.bernoulli(0.2) ? 0 : 1;
      if (mask(i, j) == 0) observed_data(i, j) = std::nan("");  // must be ignored
    }
  }
  const auto held_out_error = [&](const hilm::NmfResult<double>& fit) {
    const Matrix<double> model = reconstruct(fit);
    double num = 0, den = 0;
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < m; ++i)
        if (mask(i, j) == 0) {
          num += (model(i, j) - a(i, j)) * (model(i, j) - a(i, j));
          den += a(i, j) * a(i, j);
        }
    return std::sqrt(num / den);
  };
  for (const auto solver : {NmfSolver::Hals, NmfSolver::AlternatingNnls}) {
    const auto fit =
        hilm::nmf(observed_data, mask,
                  {.rank = 3, .solver = solver, .max_iterations = 3000, .tolerance = 1e-14});
    INFO("solver " << static_cast<int>(solver) << " iterations " << fit.iterations);
    CHECK(fit.relative_error < 1e-4);
    CHECK(held_out_error(fit) < 1e-3);
  }
  // Negative control: too small a rank cannot predict the held-out entries.
  CHECK(held_out_error(hilm::nmf(observed_data, mask, {.rank = 1, .max_iterations = 300})) > 0.05);
  // An all-observed mask gives the unmasked answer.
  // (Alternating NNLS: exact half-steps, so both paths take the same steps.)
  const Matrix<int> all = Matrix<int>::Ones(m, n);
  const NmfOptions options{
      .rank = 3, .solver = NmfSolver::AlternatingNnls, .max_iterations = 30, .tolerance = 0};
  CHECK((reconstruct(hilm::nmf(a, all, options)) - reconstruct(hilm::nmf(a, options))).norm() <
        1e-5 * a.norm());
}

TEST_CASE("nmf: an L1 penalty makes the factors sparser", "[nmf][penalty]") {
  hilm::Random random(hilm::test::seed(1000));
  const Matrix<double> a = uniform_matrix(random, 80, 60);
  const auto plain = hilm::nmf(a, {.rank = 6, .max_iterations = 200, .tolerance = 1e-8});
  const auto sparse =
      hilm::nmf(a, {.rank = 6, .max_iterations = 200, .tolerance = 1e-8, .l1_w = 0.5, .l1_h = 0.5});
  const auto zeros = [](const Matrix<double>& x) { return (x.array() == 0).count(); };
  CHECK(zeros(sparse.h) + zeros(sparse.w) > zeros(plain.h) + zeros(plain.w) + 20);
  CHECK(sparse.relative_error >= plain.relative_error);
}

TEST_CASE("nmf: invalid arguments and data throw, naming the problem", "[nmf][errors]") {
  Matrix<double> a = Matrix<double>::Ones(5, 4);
  a(2, 1) = -0.5;
  try {
    (void)hilm::nmf(a, {.rank = 2});
    FAIL("negative data accepted");
  } catch (const hilm::invalid_argument& e) {
    CHECK(std::string(e.what()).find("row 2, column 1") != std::string::npos);
  }
  a(2, 1) = 1;
  CHECK_THROWS_AS(hilm::nmf(a, {.rank = 5}), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::nmf(a, {.rank = 0}), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::nmf(a, {.rank = 2, .beta = 1.0}), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::nmf(a, {.rank = 2, .tolerance = -1}), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::nmf(a, Matrix<double>::Ones(4, 4), {.rank = 2}), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::nmf(a, Matrix<double>::Zero(5, 4), {.rank = 2}), hilm::invalid_argument);
  a(0, 0) = std::nan("");
  CHECK_THROWS_AS(hilm::nmf(a, {.rank = 2}), hilm::invalid_argument);
}

TEST_CASE("nmf: progress callback, cancellation and zero data", "[nmf][status]") {
  hilm::Random random(hilm::test::seed(1100));
  const Matrix<double> a = uniform_matrix(random, 20, 15);
  int calls = 0;
  NmfOptions options{.rank = 3, .max_iterations = 50, .tolerance = 0};
  options.progress = [&](const hilm::Progress& p) {
    ++calls;
    CHECK(p.stage == "nmf");
    return p.done < 3;
  };
  const auto fit = hilm::nmf(a, options);
  CHECK(fit.status == hilm::FitStatus::Cancelled);
  CHECK(fit.iterations == 3);
  CHECK(calls == 3);
  CHECK(fit.usable());
  const auto full = hilm::nmf(a, {.rank = 3, .max_iterations = 5, .tolerance = 0});
  CHECK(full.status == hilm::FitStatus::MaxIterations);
  const auto converged = hilm::nmf(a, {.rank = 3, .max_iterations = 5000, .tolerance = 1e-6});
  CHECK(converged.status == hilm::FitStatus::Converged);
  const auto zero = hilm::nmf(Matrix<double>::Zero(6, 5), {.rank = 2});
  CHECK(zero.status == hilm::FitStatus::Converged);
  CHECK(zero.d.isZero());
}

TEMPLATE_TEST_CASE("nmf: single and double precision fit a planted factorisation", "[nmf]", float,
                   double) {
  hilm::Random random(hilm::test::seed(1200));
  const Matrix<double> planted =
      uniform_matrix(random, 50, 4, 0.4) * uniform_matrix(random, 4, 35, 0.4);
  const Matrix<TestType> a = planted.cast<TestType>();
  const auto fit = hilm::nmf(a, {.rank = 4, .max_iterations = 2000, .tolerance = 0});
  CHECK(fit.relative_error < (sizeof(TestType) == 4 ? 1e-3 : 1e-6));
}
