// One forward and backward pass of a sparse autoencoder on a batch: the loss and the raw
// gradients of every parameter (before the unit-norm projection, clipping and Adam).
//
// Why it is shaped this way (DESIGN.md §5 prototype notes): only the encoder product
// `xc · W_encᵀ` is dense. Activations are kept as a list of (row, latent) entries; decode and
// the gradient with respect to each code use only those entries (parallel over rows), and the
// gradients of W_enc and W_dec are accumulated per latent after bucketing the entries by latent
// (a counting sort), so each thread owns whole rows of the gradient and no atomics or
// thread-count-dependent reductions are needed: results are identical for any thread count.
//
// Loss (B rows, G Matryoshka groups with prefix ends p_1 < ... < p_G = m):
//   L = (1/G) Σ_g (1/B) Σ_r ‖x̂_{r,g} − x_r‖²     x̂_{r,g} = b_dec + Σ_{j<p_g} z_rj W_dec,j
//     + α (1/B) Σ_r ‖ê_r − e_r‖²                  AuxK (Gao et al. 2024): e = x − x̂ (detached),
//                                                 ê = Σ_{dead top-k_aux} z W_dec
//     + λ (1/B) Σ_r Σ_j z_rj ‖W_dec,j‖             ReLU (Anthropic, April 2024 update)
//     + λ (1/B) Σ_r Σ_j H(pre_rj − θ_j)            JumpReLU (Rajamanoharan et al. 2024)
// With S_{r,g} = Σ_{h>=g} (x̂_{r,h} − x_r) (suffix sums), ∂L/∂z_rj = 2/(BG) W_dec,j · S_{r,g(j)}
// and ∂L/∂W_dec,j = 2/(BG) Σ_r z_rj S_{r,g(j)}, so Matryoshka costs G·d extra per row only.
// JumpReLU pseudo-derivatives use the rectangle kernel K(u) = 1{|u| < 1/2}:
//   ∂z/∂θ = −(θ/ε) K((pre − θ)/ε),  ∂H/∂θ = −(1/ε) K((pre − θ)/ε),  ∂z/∂pre = H(pre − θ).
#ifndef HILM_SAE_DETAIL_KERNELS_HPP
#define HILM_SAE_DETAIL_KERNELS_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/assert.hpp>
#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/detail/parallel.hpp>
#include <hilm/sae/detail/topk.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm::detail {

/// Gradients (or Adam moments) with the shapes of the trainable parameters.
template <class Scalar>
struct SaeParamSet {
  RowMatrix<Scalar> w_enc;       ///< m × d
  Vector<Scalar> b_enc;          ///< m
  RowMatrix<Scalar> w_dec;       ///< m × d
  Vector<Scalar> b_dec;          ///< d
  Vector<Scalar> log_threshold;  ///< m (JumpReLU) or empty

  /// Sizes every member without initialising the values.
  void shape(Index m, Index d, bool thresholds) {
    w_enc.resize(m, d);
    b_enc.resize(m);
    w_dec.resize(m, d);
    b_dec.resize(d);
    log_threshold.resize(thresholds ? m : 0);
  }

  void zeros(Index m, Index d, bool thresholds) {
    w_enc.setZero(m, d);
    b_enc.setZero(m);
    w_dec.setZero(m, d);
    b_dec.setZero(d);
    if (thresholds) {
      log_threshold.setZero(m);
    } else {
      log_threshold.resize(0);
    }
  }
};

/// What a forward/backward pass needs besides the weights and the batch.
template <class Scalar>
struct SaeStepContext {
  SaeArchitecture architecture = SaeArchitecture::TopK;
  Index k = 0;
  /// Prefix ends p_1 < ... < p_G = m (size G >= 1).
  std::vector<Index> group_ends;
  /// Penalty coefficient λ in force (ReLU: L1; JumpReLU: L0), after warm-up.
  double sparsity_coefficient = 0;
  double bandwidth = 0.001;
  /// AuxK weight α (0: off) and latents per row.
  double auxk_coefficient = 0;
  Index auxk = 0;
  /// Dead latents (ascending); AuxK only looks at these.
  std::vector<Index> dead;
  /// JumpReLU: log θ (θ = exp(log θ) is in the weights' `threshold`).
  const Vector<Scalar>* log_threshold = nullptr;
};

/// Scalars produced by one pass.
struct SaeStepStats {
  double loss = 0;             ///< total objective
  double reconstruction = 0;   ///< (1/G) Σ_g mean squared row error
  double auxk = 0;             ///< AuxK term (already weighted by α)
  double sparsity = 0;         ///< penalty term (already weighted by λ)
  double sse = 0;              ///< Σ_r ‖x̂_r − x_r‖² with all latents
  double sst = 0;              ///< Σ_r ‖x_r − mean_batch‖²
  double active = 0;           ///< entries with z > 0
  double batch_threshold = 0;  ///< BatchTopK: smallest selected pre-activation
  Index rows = 0;
};

/// Activations of a batch as (row, latent) entries; row r owns [start[r], start[r] + count[r]).
template <class Scalar>
struct SaeEntries {
  std::vector<Index> start, count;
  std::vector<Index> latent;
  std::vector<Scalar> z, pre, grad_pre, grad_theta;
  // bucketed by latent: entries of latent j are order[col_start[j] .. col_start[j+1])
  std::vector<Index> col_start, order, row_of;

  void reserve_rows(Index rows) {
    start.assign(static_cast<std::size_t>(rows), 0);
    count.assign(static_cast<std::size_t>(rows), 0);
  }
  void resize_entries(Index n, bool theta) {
    const auto s = static_cast<std::size_t>(n);
    latent.resize(s);
    z.resize(s);
    pre.resize(s);
    grad_pre.resize(s);
    if (theta) grad_theta.resize(s);
  }
  /// Counting sort of the entries by latent (rows stay ascending within a latent).
  void bucket(Index m) {
    const Index rows = static_cast<Index>(start.size());
    col_start.assign(static_cast<std::size_t>(m + 1), 0);
    Index total = 0;
    for (Index r = 0; r < rows; ++r) {
      for (Index e = start[r], end = start[r] + count[r]; e < end; ++e) ++col_start[latent[e] + 1];
      total += count[r];
    }
    for (Index j = 0; j < m; ++j) col_start[j + 1] += col_start[j];
    order.resize(static_cast<std::size_t>(total));
    row_of.resize(static_cast<std::size_t>(total));
    std::vector<Index> cursor(col_start.begin(), col_start.end() - 1);
    for (Index r = 0; r < rows; ++r) {
      for (Index e = start[r], end = start[r] + count[r]; e < end; ++e) {
        const Index slot = cursor[latent[e]]++;
        order[slot] = e;
        row_of[slot] = r;
      }
    }
  }
};

/// Buffers reused from step to step.
template <class Scalar>
struct SaeWorkspace {
  RowMatrix<Scalar> xc;        ///< B × d: x − b_dec
  RowMatrix<Scalar> pre;       ///< B × m: xc · W_encᵀ (+ b_enc when `pre_has_bias`)
  RowMatrix<Scalar> residual;  ///< (B·G) × d: suffix sums S_{r,g}; row r·G+G−1 is x̂ − x
  RowMatrix<Scalar> aux_residual;  ///< B × d: ê − e
  Vector<Scalar> decoder_norm;     ///< m (ReLU)
  std::vector<int> group_of;       ///< m, group of each latent (G > 1)
  SaeEntries<Scalar> main, aux;
  SaeParamSet<Scalar> grad;
  std::vector<double> row_loss, row_sse, row_aux, row_active;
  bool pre_has_bias = false;
};

template <class Scalar>
using SaeRowMap = Eigen::Map<Eigen::Matrix<Scalar, 1, Eigen::Dynamic>>;
template <class Scalar>
using SaeConstRowMap = Eigen::Map<const Eigen::Matrix<Scalar, 1, Eigen::Dynamic>>;

/// Selects the main activations into `ws.main` (and `ws.pre` with or without bias).
template <class Scalar>
double sae_select(const SaeWeights<Scalar>& w, const SaeStepContext<Scalar>& ctx,
                  SaeWorkspace<Scalar>& ws) {
  const Index rows = ws.pre.rows();
  const Index m = ws.pre.cols();
  auto& en = ws.main;
  en.reserve_rows(rows);
  double batch_threshold = 0;
  const bool jump = ctx.architecture == SaeArchitecture::JumpReLU;
  if (ctx.architecture == SaeArchitecture::TopK) {
    ws.pre_has_bias = false;
    const Index k = ctx.k;
    en.resize_entries(rows * k, false);
    ParallelGuard guard;  // the per-thread buffers and the top-k scratch allocate
    HILM_SAE_OMP(omp parallel if (rows * m >= sae_parallel_work)) {
      TopKScratch<Scalar> scratch;
      std::vector<TopEntry<Scalar>> top;
      Vector<Scalar> biased;
      guard.run([&] {
        top.resize(static_cast<std::size_t>(k));
        biased.resize(m);
      });
      HILM_SAE_OMP(omp for schedule(static))
      for (Index r = 0; r < rows; ++r) {
        guard.run([&] {
          biased = SaeConstRowMap<Scalar>(ws.pre.data() + r * m, m).transpose() + w.b_enc;
          const Index c = select_top_k(biased.data(), m, k, Scalar(0), scratch, top.data());
          en.start[r] = r * k;
          en.count[r] = c;
          for (Index e = 0; e < c; ++e) {
            en.latent[r * k + e] = top[e].index;
            en.z[r * k + e] = top[e].value;
            en.pre[r * k + e] = top[e].value;
          }
        });
      }
    }
    guard.rethrow();
    return 0;
  }
  // The other architectures look at every pre-activation: add the bias once.
  ws.pre.rowwise() += w.b_enc.transpose();
  ws.pre_has_bias = true;
  Scalar cut = 0;  // BatchTopK: global threshold of this batch
  if (ctx.architecture == SaeArchitecture::BatchTopK) {
    std::vector<Scalar> positive;
    positive.reserve(static_cast<std::size_t>(rows * ctx.k * 4));
    const Scalar* p = ws.pre.data();
    for (Index i = 0, n = rows * m; i < n; ++i) {
      if (p[i] > Scalar(0)) positive.push_back(p[i]);
    }
    const Index want = rows * ctx.k;
    if (static_cast<Index>(positive.size()) > want) {
      std::nth_element(positive.begin(), positive.begin() + (want - 1), positive.end(),
                       std::greater<Scalar>());
      cut = positive[static_cast<std::size_t>(want - 1)];
    } else if (!positive.empty()) {
      cut = *std::min_element(positive.begin(), positive.end());
    }
    batch_threshold = static_cast<double>(cut);
  }
  const Scalar half_band = static_cast<Scalar>(ctx.bandwidth / 2);
  auto lower = [&](Index j) -> Scalar {
    switch (ctx.architecture) {
      case SaeArchitecture::BatchTopK:
        return cut;
      case SaeArchitecture::JumpReLU:
        return w.threshold[j] - half_band;
      default:
        return Scalar(0);
    }
  };
  auto keeps = [&](Scalar v, Index j) {
    if (ctx.architecture == SaeArchitecture::BatchTopK) return v >= cut && v > Scalar(0);
    return v > lower(j);
  };
  // hilm-nothrow: counts into en.count (sized by reserve_rows); keeps() only compares
  HILM_SAE_OMP(omp parallel for schedule(static) if (rows * m >= sae_parallel_work))
  for (Index r = 0; r < rows; ++r) {
    const Scalar* row = ws.pre.data() + r * m;
    Index c = 0;
    for (Index j = 0; j < m; ++j) c += keeps(row[j], j) ? 1 : 0;
    en.count[r] = c;
  }
  Index total = 0;
  for (Index r = 0; r < rows; ++r) {
    en.start[r] = total;
    total += en.count[r];
  }
  en.resize_entries(total, jump);
  // hilm-nothrow: writes entries into the vectors sized by resize_entries just above
  HILM_SAE_OMP(omp parallel for schedule(static) if (rows * m >= sae_parallel_work))
  for (Index r = 0; r < rows; ++r) {
    const Scalar* row = ws.pre.data() + r * m;
    Index e = en.start[r];
    for (Index j = 0; j < m; ++j) {
      const Scalar v = row[j];
      if (!keeps(v, j)) continue;
      en.latent[e] = j;
      en.pre[e] = v;
      en.z[e] = (jump && !(v > w.threshold[j])) ? Scalar(0) : v;
      ++e;
    }
  }
  return batch_threshold;
}

/// Forward and backward pass on a batch `x` (B × d, already multiplied by the input scale).
/// Writes the raw gradients to `ws.grad` and returns the loss terms.
/// @param aux_target when given, the AuxK target e (B × d) instead of x − x̂ (for gradient
///        checks, where e must be held fixed as it is detached in training).
template <class Scalar>
SaeStepStats sae_forward_backward(
    const SaeWeights<Scalar>& w, const SaeStepContext<Scalar>& ctx,
    const std::type_identity_t<Eigen::Ref<const RowMatrix<Scalar>>>& x, SaeWorkspace<Scalar>& ws,
    const RowMatrix<Scalar>* aux_target = nullptr) {
  const Index rows = x.rows();
  const Index d = w.d_in();
  const Index m = w.d_sae();
  const Index groups = static_cast<Index>(ctx.group_ends.size());
  HILM_ASSERT(groups >= 1 && ctx.group_ends.back() == m);
  HILM_ASSERT(x.cols() == d && rows >= 1);
  const bool relu = ctx.architecture == SaeArchitecture::ReLU;
  const bool jump = ctx.architecture == SaeArchitecture::JumpReLU;
  const double lambda = ctx.sparsity_coefficient;
  const Scalar inv_b = Scalar(1) / static_cast<Scalar>(rows);
  const Scalar recon_scale = Scalar(2) / static_cast<Scalar>(rows * groups);
  const Scalar aux_scale = static_cast<Scalar>(2 * ctx.auxk_coefficient) * inv_b;

  SaeStepStats stats;
  stats.rows = rows;

  // 1. Encoder: the one dense product.
  ws.xc.resize(rows, d);
  ws.xc = x;
  ws.xc.rowwise() -= w.b_dec.transpose();
  ws.pre.resize(rows, m);
  if (static_cast<long long>(rows) * m * d >= 4 * sae_parallel_work) {
    ws.pre.noalias() = ws.xc * w.w_enc.transpose();
  } else {  // small: skip Eigen's threaded GEMM, whose start-up costs more than the product
    ws.pre.noalias() = ws.xc.lazyProduct(w.w_enc.transpose());
  }

  // 2. Activations.
  stats.batch_threshold = sae_select(w, ctx, ws);
  auto& en = ws.main;

  // 3. Decode, residual suffix sums and ∂L/∂z, parallel over rows.
  if (groups > 1) {
    ws.group_of.resize(static_cast<std::size_t>(m));
    Index g = 0;
    for (Index j = 0; j < m; ++j) {
      while (j >= ctx.group_ends[static_cast<std::size_t>(g)]) ++g;
      ws.group_of[static_cast<std::size_t>(j)] = static_cast<int>(g);
    }
  }
  if (relu) ws.decoder_norm = w.w_dec.rowwise().norm();
  ws.residual.resize(rows * groups, d);
  ws.row_loss.assign(static_cast<std::size_t>(rows), 0.0);
  ws.row_sse.assign(static_cast<std::size_t>(rows), 0.0);
  ws.row_active.assign(static_cast<std::size_t>(rows), 0.0);
  const Scalar* theta = jump ? w.threshold.data() : nullptr;
  const Scalar inv_band = static_cast<Scalar>(1.0 / ctx.bandwidth);
  const Scalar half = static_cast<Scalar>(0.5);
  // hilm-nothrow: Eigen maps over the preallocated ws buffers; coefficient-wise, no temporaries
  HILM_SAE_OMP(omp parallel for schedule(static) if (static_cast<long long>(en.latent.size() + rows) * d >= sae_parallel_work))
  for (Index r = 0; r < rows; ++r) {
    Scalar* base = ws.residual.data() + r * groups * d;
    SaeRowMap<Scalar> acc(base + (groups - 1) * d, d);
    acc = w.b_dec.transpose() - x.row(r);
    Index g = 0;
    const Index begin = en.start[r];
    const Index end = begin + en.count[r];
    double active = 0;
    for (Index e = begin; e < end; ++e) {
      const Index j = en.latent[e];
      if (groups > 1) {
        const Index gj = ws.group_of[static_cast<std::size_t>(j)];
        for (; g < gj; ++g) SaeRowMap<Scalar>(base + g * d, d) = acc;
      }
      const Scalar zj = en.z[e];
      if (zj != Scalar(0)) {
        acc.noalias() += zj * SaeConstRowMap<Scalar>(w.w_dec.data() + j * d, d);
        active += 1;
      }
    }
    for (; g < groups - 1; ++g) SaeRowMap<Scalar>(base + g * d, d) = acc;
    double loss = 0;
    for (Index h = 0; h < groups; ++h) {
      loss += static_cast<double>(SaeRowMap<Scalar>(base + h * d, d).squaredNorm());
    }
    ws.row_sse[r] = static_cast<double>(acc.squaredNorm());
    for (Index h = groups - 2; h >= 0; --h) {
      SaeRowMap<Scalar>(base + h * d, d) += SaeRowMap<Scalar>(base + (h + 1) * d, d);
    }
    ws.row_loss[r] = loss;
    ws.row_active[r] = active;
    for (Index e = begin; e < end; ++e) {
      const Index j = en.latent[e];
      const Index gj = groups > 1 ? ws.group_of[static_cast<std::size_t>(j)] : 0;
      const Scalar gz = recon_scale * SaeConstRowMap<Scalar>(w.w_dec.data() + j * d, d)
                                          .dot(SaeConstRowMap<Scalar>(base + gj * d, d));
      if (relu) {
        en.grad_pre[e] = gz + static_cast<Scalar>(lambda) * ws.decoder_norm[j] * inv_b;
      } else if (jump) {
        const Scalar t = theta[j];
        const Scalar pre_v = en.pre[e];
        en.grad_pre[e] = en.z[e] != Scalar(0) ? gz : Scalar(0);
        const bool in_band = std::abs((pre_v - t) * inv_band) < half;
        en.grad_theta[e] =
            in_band ? (gz * (-t * inv_band) - static_cast<Scalar>(lambda) * inv_b * inv_band)
                    : Scalar(0);
      } else {
        en.grad_pre[e] = gz;
      }
    }
  }
  double recon = 0, sse = 0, active = 0;
  for (Index r = 0; r < rows; ++r) {
    recon += ws.row_loss[r];
    sse += ws.row_sse[r];
    active += ws.row_active[r];
  }
  stats.reconstruction = recon / static_cast<double>(rows * groups);
  stats.sse = sse;
  stats.active = active;
  {
    Eigen::Matrix<double, 1, Eigen::Dynamic> mean = x.template cast<double>().colwise().sum();
    mean /= static_cast<double>(rows);
    double sst = 0;
    for (Index r = 0; r < rows; ++r) {
      sst += (x.row(r).template cast<double>() - mean).squaredNorm();
    }
    stats.sst = sst;
  }
  if (relu) {
    double penalty = 0;
    for (Index r = 0; r < rows; ++r) {
      for (Index e = en.start[r], end = e + en.count[r]; e < end; ++e) {
        penalty +=
            static_cast<double>(en.z[e]) * static_cast<double>(ws.decoder_norm[en.latent[e]]);
      }
    }
    stats.sparsity = lambda * penalty / static_cast<double>(rows);
  } else if (jump) {
    stats.sparsity = lambda * active / static_cast<double>(rows);
  }

  // 4. AuxK on dead latents (TopK family).
  auto& ax = ws.aux;
  ax.reserve_rows(rows);
  ax.resize_entries(0, false);
  const Index n_dead = static_cast<Index>(ctx.dead.size());
  const Index kaux = std::min(ctx.auxk, n_dead);
  if (ctx.auxk_coefficient > 0 && kaux > 0) {
    ax.resize_entries(rows * kaux, false);
    ws.aux_residual.resize(rows, d);
    ws.row_aux.assign(static_cast<std::size_t>(rows), 0.0);
    ParallelGuard guard;  // the per-thread buffers and the top-k scratch allocate
    HILM_SAE_OMP(omp parallel if (rows * (n_dead + kaux * d) >= sae_parallel_work)) {
      TopKScratch<Scalar> scratch;
      std::vector<TopEntry<Scalar>> top;
      std::vector<Scalar> values;
      guard.run([&] {
        top.resize(static_cast<std::size_t>(kaux));
        values.resize(static_cast<std::size_t>(n_dead));
      });
      HILM_SAE_OMP(omp for schedule(static))
      for (Index r = 0; r < rows; ++r) {
        guard.run([&] {
          const Scalar* row = ws.pre.data() + r * m;
          for (Index i = 0; i < n_dead; ++i) {
            const Index j = ctx.dead[static_cast<std::size_t>(i)];
            values[static_cast<std::size_t>(i)] = ws.pre_has_bias ? row[j] : row[j] + w.b_enc[j];
          }
          const Index c = select_top_k(values.data(), n_dead, kaux, Scalar(0), scratch, top.data());
          ax.start[r] = r * kaux;
          ax.count[r] = c;
          SaeRowMap<Scalar> a(ws.aux_residual.data() + r * d, d);
          // ê − e with e = x − x̂ = −(x̂ − x)
          if (aux_target != nullptr) {
            a = -aux_target->row(r);
          } else {
            a = SaeConstRowMap<Scalar>(ws.residual.data() + (r * groups + groups - 1) * d, d);
          }
          for (Index e = 0; e < c; ++e) {
            const Index j = ctx.dead[static_cast<std::size_t>(top[e].index)];
            ax.latent[r * kaux + e] = j;
            ax.z[r * kaux + e] = top[e].value;
            ax.pre[r * kaux + e] = top[e].value;
            a.noalias() += top[e].value * SaeConstRowMap<Scalar>(w.w_dec.data() + j * d, d);
          }
          ws.row_aux[r] = static_cast<double>(a.squaredNorm());
          for (Index e = 0; e < c; ++e) {
            const Index j = ax.latent[r * kaux + e];
            ax.grad_pre[r * kaux + e] =
                aux_scale * SaeConstRowMap<Scalar>(w.w_dec.data() + j * d, d).dot(a);
          }
        });
      }
    }
    guard.rethrow();
    double aux = 0;
    for (Index r = 0; r < rows; ++r) aux += ws.row_aux[r];
    stats.auxk = ctx.auxk_coefficient * aux / static_cast<double>(rows);
  }
  stats.loss = stats.reconstruction + stats.auxk + stats.sparsity;

  // 5. Per-latent gradients.
  en.bucket(m);
  ax.bucket(m);
  auto& gr = ws.grad;
  gr.shape(m, d, jump);  // every row is written below
  // hilm-nothrow: Eigen maps over the preallocated gradient rows; coefficient-wise, no temporaries
  HILM_SAE_OMP(omp parallel for schedule(dynamic, 16) if (static_cast<long long>(en.latent.size() + ax.latent.size() + m) * d >= sae_parallel_work))
  for (Index j = 0; j < m; ++j) {
    SaeRowMap<Scalar> g_dec(gr.w_dec.data() + j * d, d);
    SaeRowMap<Scalar> g_enc(gr.w_enc.data() + j * d, d);
    g_dec.setZero();
    g_enc.setZero();
    Scalar g_bias = 0;
    Scalar z_sum = 0;
    Scalar g_theta = 0;
    const Index gj = groups > 1 ? ws.group_of[static_cast<std::size_t>(j)] : 0;
    for (Index s = en.col_start[j]; s < en.col_start[j + 1]; ++s) {
      const Index e = en.order[s];
      const Index r = en.row_of[s];
      const Scalar zj = en.z[e];
      if (zj != Scalar(0)) {
        g_dec.noalias() += (recon_scale * zj) *
                           SaeConstRowMap<Scalar>(ws.residual.data() + (r * groups + gj) * d, d);
        z_sum += zj;
      }
      const Scalar gp = en.grad_pre[e];
      if (gp != Scalar(0)) {
        g_enc.noalias() += gp * SaeConstRowMap<Scalar>(ws.xc.data() + r * d, d);
        g_bias += gp;
      }
      if (jump) g_theta += en.grad_theta[e];
    }
    for (Index s = ax.col_start[j]; s < ax.col_start[j + 1]; ++s) {
      const Index e = ax.order[s];
      const Index r = ax.row_of[s];
      g_dec.noalias() +=
          (aux_scale * ax.z[e]) * SaeConstRowMap<Scalar>(ws.aux_residual.data() + r * d, d);
      const Scalar gp = ax.grad_pre[e];
      g_enc.noalias() += gp * SaeConstRowMap<Scalar>(ws.xc.data() + r * d, d);
      g_bias += gp;
    }
    if (relu && z_sum != Scalar(0) && ws.decoder_norm[j] > Scalar(0)) {
      g_dec.noalias() += (static_cast<Scalar>(lambda) * z_sum * inv_b / ws.decoder_norm[j]) *
                         SaeConstRowMap<Scalar>(w.w_dec.data() + j * d, d);
    }
    gr.b_enc[j] = g_bias;
    if (jump) gr.log_threshold[j] = g_theta * w.threshold[j];
  }
  // b_dec: decoder side Σ_r S_{r,0}; encoder side −W_encᵀ ∂L/∂b_enc (xc = x − b_dec).
  Vector<Scalar> dec_side = Vector<Scalar>::Zero(d);
  for (Index r = 0; r < rows; ++r) {
    dec_side += SaeConstRowMap<Scalar>(ws.residual.data() + r * groups * d, d).transpose();
  }
  gr.b_dec.noalias() = recon_scale * dec_side - w.w_enc.transpose() * gr.b_enc;
  return stats;
}

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_KERNELS_HPP
