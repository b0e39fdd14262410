// NMF benchmarks: time per fit of a fixed number of iterations on the peer-comparison shape
// (3000 × 800, rank 12, the matrix of ../shared/bench/make_nmf_data.py: sparse exponential factors
// plus noise, clipped at 0). Time-to-equal-error against scikit-learn and RcppML is measured by
// compare/nmf_vs_peers.sh; these numbers separate time per iteration (counter "iters").
#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <hilm/core/random.hpp>
#include <hilm/nmf/nmf.hpp>
#include <hilm/nmf/separable.hpp>

#include <benchmark/benchmark.h>

namespace {

using hilm::Index;
using hilm::Matrix;

// The make_nmf_data.py model, drawn with hilm::Random (deterministic, cached per shape).
const Matrix<double>& nmf_data(Index m, Index n, Index r) {
  static std::map<std::tuple<Index, Index, Index>, Matrix<double>> cache;
  auto& a = cache[{m, n, r}];
  if (a.size() == 0) {
    hilm::Random random(20261128);
    Matrix<double> w(m, r), h(r, n);
    for (Index l = 0; l < r; ++l) {
      for (Index i = 0; i < m; ++i) w(i, l) = random.bernoulli(0.5) ? random.exponential() : 0;
      for (Index j = 0; j < n; ++j) h(l, j) = random.bernoulli(0.5) ? random.exponential() : 0;
    }
    a = w * h;
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < m; ++i) a(i, j) = std::max(0.0, a(i, j) + 0.05 * random.normal());
  }
  return a;
}

void run(benchmark::State& state, hilm::NmfSolver solver, double beta) {
  const Index m = state.range(0), n = state.range(1), r = state.range(2);
  const auto iterations = static_cast<int>(state.range(3));
  const Matrix<double>& a = nmf_data(m, n, r);
  double error = 0;
  for (auto _ : state) {
    auto fit = hilm::nmf(
        a,
        {.rank = r, .solver = solver, .beta = beta, .max_iterations = iterations, .tolerance = 0});
    benchmark::DoNotOptimize(fit.w.data());
    error = fit.relative_error;
  }
  state.counters["iters"] = iterations;
  state.counters["rel_error"] = error;
  state.SetItemsProcessed(state.iterations() * iterations);
}

void BM_Nmf_Hals(benchmark::State& state) { run(state, hilm::NmfSolver::Hals, 2.0); }
void BM_Nmf_AlternatingNnls(benchmark::State& state) {
  run(state, hilm::NmfSolver::AlternatingNnls, 2.0);
}
void BM_Nmf_MuFrobenius(benchmark::State& state) {
  run(state, hilm::NmfSolver::MultiplicativeUpdate, 2.0);
}
void BM_Nmf_MuKl(benchmark::State& state) {
  run(state, hilm::NmfSolver::MultiplicativeUpdate, 1.0);
}

void BM_Nmf_HalsSparse(benchmark::State& state) {
  const Index m = state.range(0), n = state.range(1), r = state.range(2);
  const auto iterations = static_cast<int>(state.range(3));
  // Keep the largest 10% of entries: a sparse matrix of the same shape.
  Matrix<double> dense = nmf_data(m, n, r);
  Matrix<double> sorted = dense;
  std::sort(sorted.data(), sorted.data() + sorted.size());
  const double cut = sorted.data()[static_cast<Index>(0.9 * static_cast<double>(sorted.size()))];
  dense = (dense.array() >= cut).select(dense, 0.0);
  const hilm::SparseMatrix<double> a = dense.sparseView();
  for (auto _ : state) {
    auto fit = hilm::nmf(a, {.rank = r, .max_iterations = iterations, .tolerance = 0});
    benchmark::DoNotOptimize(fit.w.data());
  }
  state.counters["iters"] = iterations;
  state.SetItemsProcessed(state.iterations() * iterations);
}

void BM_Nmf_Spa(benchmark::State& state) {
  const Index m = state.range(0), n = state.range(1), r = state.range(2);
  const Matrix<double>& a = nmf_data(m, n, r);
  for (auto _ : state) {
    auto fit = hilm::separable_nmf(a, {.rank = r});
    benchmark::DoNotOptimize(fit.anchors.data());
  }
}

}  // namespace

BENCHMARK(BM_Nmf_Hals)
    ->Args({3000, 800, 12, 50})
    ->ArgNames({"m", "n", "k", "iters"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Nmf_AlternatingNnls)
    ->Args({3000, 800, 12, 50})
    ->ArgNames({"m", "n", "k", "iters"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Nmf_MuFrobenius)
    ->Args({3000, 800, 12, 50})
    ->ArgNames({"m", "n", "k", "iters"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Nmf_MuKl)
    ->Args({3000, 800, 12, 20})
    ->ArgNames({"m", "n", "k", "iters"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Nmf_HalsSparse)
    ->Args({3000, 800, 12, 50})
    ->ArgNames({"m", "n", "k", "iters"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Nmf_Spa)
    ->Args({3000, 800, 12})
    ->ArgNames({"m", "n", "k"})
    ->Unit(benchmark::kMillisecond);
