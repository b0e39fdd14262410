// Fast selection of the k largest entries of a row (the TopK activation).
//
// Why not std::nth_element on the whole row: for m = 4096 and k = 32 it touches every element
// several times and costs about as much as the encoder GEMM row it follows. Here a threshold t
// is first estimated on a strided sample of 256 entries (set so that, with high probability, at
// least k entries of the row exceed it), then the row is read once, 16 entries at a time with
// one SIMD comparison, and only the few entries above t (about 3k) are copied to a small buffer.
// When the buffer holds 4k entries it is cut back to its k largest with nth_element, which
// raises t. If the estimate was too high (fewer than k entries above it), the row is scanned
// again from the floor, so the selection is always exact.
#ifndef HILM_SAE_DETAIL_TOPK_HPP
#define HILM_SAE_DETAIL_TOPK_HPP

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// One selected entry: latent index and value.
template <class Scalar>
struct TopEntry {
  Index index;
  Scalar value;
};

/// Scratch space reused across rows (one per thread).
template <class Scalar>
struct TopKScratch {
  std::vector<TopEntry<Scalar>> buffer;
  std::vector<Scalar> sample;
};

/// Bit j of the result is set when `values[j] > threshold`, for j < 16 (SIMD where available).
template <class Scalar>
inline unsigned above_mask16(const Scalar* values, Scalar threshold) noexcept {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<Scalar, float>) {
    return static_cast<unsigned>(
        _mm512_cmp_ps_mask(_mm512_loadu_ps(values), _mm512_set1_ps(threshold), _CMP_GT_OQ));
  }
#endif
#if defined(__AVX__)
  if constexpr (std::is_same_v<Scalar, float>) {
    const __m256 t = _mm256_set1_ps(threshold);
    const auto lo = static_cast<unsigned>(
        _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(values), t, _CMP_GT_OQ)));
    const auto hi = static_cast<unsigned>(
        _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(values + 8), t, _CMP_GT_OQ)));
    return lo | (hi << 8);
  }
#endif
#if defined(__SSE2__)
  if constexpr (std::is_same_v<Scalar, float>) {
    const __m128 t = _mm_set1_ps(threshold);
    unsigned mask = 0;
    for (int q = 0; q < 4; ++q) {
      mask |= static_cast<unsigned>(_mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(values + 4 * q), t)))
              << (4 * q);
    }
    return mask;
  }
#endif
  unsigned mask = 0;
  for (unsigned j = 0; j < 16; ++j) mask |= static_cast<unsigned>(values[j] > threshold) << j;
  return mask;
}

/// Selects the `k` largest entries of `values[0, n)` that are also `> floor`, writes them to
/// `out` sorted by index, and returns how many were written (<= k). Ties at the boundary are
/// resolved deterministically (the same input gives the same selection).
template <class Scalar>
Index select_top_k(const Scalar* values, Index n, Index k, Scalar floor,
                   TopKScratch<Scalar>& scratch, TopEntry<Scalar>* out) {
  if (k <= 0 || n <= 0) return 0;
  constexpr Index block = 16;
  const Index capacity = 4 * k + block;
  auto& buf = scratch.buffer;
  if (static_cast<Index>(buf.size()) < capacity) buf.resize(static_cast<std::size_t>(capacity));
  Index count = 0;
  Scalar threshold = floor;
  auto greater = [](const TopEntry<Scalar>& a, const TopEntry<Scalar>& b) {
    return a.value > b.value || (a.value == b.value && a.index < b.index);
  };
  auto shrink = [&]() {
    std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.begin() + count, greater);
    threshold = buf[static_cast<std::size_t>(k - 1)].value;
    count = k;
  };
  // Long rows: start from a threshold estimated on a strided sample, low enough that at least k
  // entries exceed it with high probability (the expected sample count above the k-th value plus
  // three standard deviations). If fewer than k entries pass, the row is scanned again from
  // `floor`, so the result is exact either way.
  bool estimated = false;
  if (n >= 1024 && 16 * k <= n) {
    const Index samples = 256;
    const Index stride = n / samples;
    const double expected =
        static_cast<double>(k) * static_cast<double>(samples) / static_cast<double>(n);
    const Index rank = std::min<Index>(
        samples - 1, static_cast<Index>(expected + 3.0 * std::sqrt(expected) + 1.0));
    // The (rank+1) largest sample values, kept sorted in descending order.
    auto& top = scratch.sample;
    top.assign(static_cast<std::size_t>(rank + 1), -std::numeric_limits<Scalar>::infinity());
    for (Index s = 0; s < samples; ++s) {
      const Scalar v = values[s * stride];
      if (!(v > top[static_cast<std::size_t>(rank)])) continue;
      Index p = rank;
      while (p > 0 && top[static_cast<std::size_t>(p - 1)] < v) {
        top[static_cast<std::size_t>(p)] = top[static_cast<std::size_t>(p - 1)];
        --p;
      }
      top[static_cast<std::size_t>(p)] = v;
    }
    const Scalar guess = top[static_cast<std::size_t>(rank)];
    if (guess > floor) {
      threshold = guess;
      estimated = true;
    }
  }
  auto scan = [&]() {
    Index i = 0;
    for (; i + block <= n; i += block) {
      unsigned mask = above_mask16(values + i, threshold);
      if (mask == 0) continue;
      while (mask != 0) {
        const int j = std::countr_zero(mask);
        mask &= mask - 1;
        const Scalar v = values[i + j];
        if (v > threshold) buf[static_cast<std::size_t>(count++)] = {i + j, v};
      }
      if (count >= 4 * k) shrink();
    }
    for (; i < n; ++i) {
      const Scalar v = values[i];
      if (v > threshold) buf[static_cast<std::size_t>(count++)] = {i, v};
      if (count >= 4 * k) shrink();
    }
  };
  scan();
  if (estimated && count < k) {  // the estimate was too high: exact scan from the floor
    count = 0;
    threshold = floor;
    scan();
  }
  if (count > k) {
    std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.begin() + count, greater);
    count = k;
  }
  std::sort(buf.begin(), buf.begin() + count,
            [](const TopEntry<Scalar>& a, const TopEntry<Scalar>& b) { return a.index < b.index; });
  std::copy(buf.begin(), buf.begin() + count, out);
  return count;
}

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_TOPK_HPP
