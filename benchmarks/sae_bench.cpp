// Sparse-autoencoder training throughput (DESIGN.md §5): optimiser steps per architecture and
// shape, reported as time per step and rows/s, and the encoder GEMM alone in GFLOP/s.
// The shapes benchmarks/compare/sae_vs_torch.sh runs next to PyTorch: d 512, m 4096, k 32; d 768,
// m 24,576, k 32 (GPT-2-small width x32); d 2304, m 16,384, k 64 (Gemma-2-2B width); batch 1024.
#include <cstdint>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>

#include <benchmark/benchmark.h>

namespace {

using hilm::Index;
using hilm::RowMatrix;

RowMatrix<float> gaussian(Index rows, Index cols, std::uint64_t seed) {
  hilm::Random rng(seed);
  RowMatrix<float> x(rows, cols);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
  return x;
}

// One benchmark iteration = `steps` optimiser steps; the timer covers the steps only
// (SaeResult::train_seconds), not the initialisation.
void run_steps(benchmark::State& state, hilm::SaeArchitecture arch) {
  const Index d = state.range(0), m = state.range(1), k = state.range(2), batch = state.range(3);
  const Index steps = 5;
  const RowMatrix<float> x = gaussian(4 * batch, d, 1);
  hilm::MatrixSource source(x);
  const hilm::SaeOptions options{.architecture = arch,
                                 .latents = m,
                                 .k = k,
                                 .l1_coefficient = 1.0,
                                 .batch_size = batch,
                                 .steps = steps,
                                 .learning_rate = 1e-4,
                                 .init_sample_rows = 256,
                                 .geometric_median_iterations = 0,
                                 .shuffle_buffer_rows = 0};
  for (auto _ : state) {
    hilm::SparseAutoencoder<float> sae(options);
    const auto result = sae.fit(source);
    benchmark::DoNotOptimize(sae.weights().w_dec.data());
    state.SetIterationTime(result.train_seconds / static_cast<double>(steps));
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["rows_per_second"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Sae_TopKStep(benchmark::State& state) { run_steps(state, hilm::SaeArchitecture::TopK); }
void BM_Sae_BatchTopKStep(benchmark::State& state) {
  run_steps(state, hilm::SaeArchitecture::BatchTopK);
}
void BM_Sae_JumpReLUStep(benchmark::State& state) {
  run_steps(state, hilm::SaeArchitecture::JumpReLU);
}
void BM_Sae_ReLUStep(benchmark::State& state) { run_steps(state, hilm::SaeArchitecture::ReLU); }

void BM_Sae_EncoderGemm(benchmark::State& state) {
  const Index d = state.range(0), m = state.range(1), batch = state.range(3);
  const RowMatrix<float> x = gaussian(batch, d, 2);
  const RowMatrix<float> w = gaussian(m, d, 3);
  RowMatrix<float> pre(batch, m);
  for (auto _ : state) {
    pre.noalias() = x * w.transpose();
    benchmark::DoNotOptimize(pre.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(batch * d * m) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

#define HILM_SAE_SHAPES               \
  ArgNames({"d", "m", "k", "batch"})  \
      ->Args({512, 4096, 32, 1024})   \
      ->Args({768, 16384, 64, 1024})  \
      ->Args({768, 24576, 32, 1024})  \
      ->Args({2304, 16384, 64, 1024}) \
      ->Args({64, 256, 8, 1024})      \
      ->Unit(benchmark::kMillisecond)

BENCHMARK(BM_Sae_TopKStep)->HILM_SAE_SHAPES->UseManualTime();
BENCHMARK(BM_Sae_BatchTopKStep)
    ->ArgNames({"d", "m", "k", "batch"})
    ->Args({512, 4096, 32, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(BM_Sae_JumpReLUStep)
    ->ArgNames({"d", "m", "k", "batch"})
    ->Args({512, 4096, 32, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(BM_Sae_ReLUStep)
    ->ArgNames({"d", "m", "k", "batch"})
    ->Args({512, 4096, 32, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(BM_Sae_EncoderGemm)->HILM_SAE_SHAPES->UseRealTime();

}  // namespace
