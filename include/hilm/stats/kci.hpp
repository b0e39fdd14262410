/// @file
/// Kernel conditional-independence test (KCI) and its unconditional (HSIC) case.
///
/// Unconditional (X ⫫ Y; Gretton et al., "A kernel statistical test of independence", NIPS 2007):
/// with centred kernel matrices K̃x = H Kx H, K̃y = H Ky H (H = I − 11ᵀ/n) the statistic is
/// V = Σ K̃x ∘ K̃y, and its null law is approximated by a gamma law with mean tr K̃x tr K̃y / n and
/// variance 2‖K̃x‖²‖K̃y‖²/n², or simulated from the spectra: Σ λx_i λy_j χ²₁ / n.
///
/// Conditional (X ⫫ Y | Z; Zhang, Peters, Janzing & Schölkopf, "Kernel-based conditional
/// independence test and application in causal discovery", UAI 2011): X is augmented to
/// (X, Z/2), Rz = ε (K̃z + εI)⁻¹ regresses Z out (ε = 10⁻³), K̃x|z = Rz K̃x Rz, K̃y|z = Rz K̃y Rz,
/// V = Σ K̃x|z ∘ K̃y|z. With K̂ the truncation of a matrix to its eigenvalues above 10⁻⁵ of the
/// largest, W = K̂x|z ∘ K̂y|z equals causal-learn's `uu_prod` up to similarity, the gamma
/// approximation has mean tr W and variance 2‖W‖²_F, and the simulated null is Σ μ_i χ²₁ over the
/// eigenvalues μ of W above 10⁻⁵ of the largest.
///
/// Defaults reproduce causal-learn's `KCI_UInd` / `KCI_CInd` (`cit.CIT(data, "kci")`): every
/// variable z-scored with ddof = 1 (constant columns become 0), Gaussian kernels
/// k(a, b) = exp(−‖a − b‖² / (2σ²)) with the empirical width (unconditional: σ = 0.8, 0.5, 0.3 for
/// n < 200, < 1200, ≥ 1200 and k = exp(−d·‖a − b‖²/(2σ²)) with d the dimension; conditional:
/// σ = 1.2, 0.7, 0.4 and exp(−‖a − b‖²/(2σ²·d_z)) with d_z the dimension of Z), or the median
/// rule σ = √2 · median pairwise distance (on at most 1000 rows drawn with `seed`); polynomial
/// (1 + ⟨a, b⟩)^d and linear ⟨a, b⟩ kernels. In the unconditional test the median rule is applied
/// before z-scoring, as causal-learn does.
///
/// Two exact computations (`KciMethod`): the dense path forms the n × n matrices (O(n³)); the
/// factored path (the default whenever it pays off) works from pivoted Cholesky factors
/// K̃ ≈ L Lᵀ of the centred kernels (see `detail/pivoted_cholesky.hpp` and
/// `detail/kci_factored.hpp`) and never forms an n × n matrix: O(n r²) for factors with r
/// columns. The discarded part of each kernel is positive semi-definite with trace at most
/// `factor_tolerance` (10⁻¹⁵) × tr K, which bounds its spectral norm; it perturbs K̃x|z by at most
/// that bound and Rz by at most that bound divided by ε, so with the default tolerance the two
/// paths agree to rounding (p-values within 10⁻⁹ relative in the tests, where the dense path is
/// itself within ~10⁻¹¹ of an extended-precision computation). No low-rank approximation is made
/// unless `factor_tolerance` is raised.
#ifndef HILM_STATS_KCI_HPP
#define HILM_STATS_KCI_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/distributions.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/stats/detail/indices.hpp>
#include <hilm/stats/detail/kci_factored.hpp>
#include <hilm/stats/detail/kci_kernels.hpp>
#include <hilm/stats/detail/pivoted_cholesky.hpp>
#include <hilm/stats/kci_options.hpp>

namespace hilm {

/// Outcome of a KCI test with the null-distribution parameters.
struct KciResult {
  double statistic = 0.0;    ///< V statistic (sum of the entrywise product of the kernels)
  double p_value = 1.0;      ///< p-value under the chosen null
  double gamma_shape = 0.0;  ///< k of the gamma approximation (also set for the spectral null)
  double gamma_scale = 0.0;  ///< θ of the gamma approximation
  bool factored = false;     ///< computed by the factored path (else dense)
  Index factor_rank = 0;     ///< largest number of factor columns used (factored path)
  /// As a `CiResult` (dof = 0).
  [[nodiscard]] CiResult ci() const { return CiResult{statistic, 0.0, p_value}; }
};

/// KCI / HSIC test over one data set (models `hilm::CiTest`).
///
/// Cost: factored path (used by `KciMethod::Automatic` when every kernel's numerical rank r is at
/// most n/3): O(n r² + n r d) per test, no n × n storage. Dense path: O(n² d) for the kernels;
/// unconditional tests with the gamma null are O(n²); conditional tests need a Cholesky
/// factorisation, four n × n products and two tridiagonalisations with the leading eigenvectors
/// only (see `detail/top_eigenpairs.hpp`), O(n³) in all.
/// `test` is const and thread-safe.
///
/// @code
/// hilm::KciTest kci(data);                        // data: n × p, causal-learn's defaults
/// std::array<hilm::Index, 1> z{2};
/// hilm::CiResult r = kci.test(0, 1, z);           // X0 ⫫ X1 | X2 ?
/// bool independent = r.p_value > 0.05;
/// hilm::KciTest spectral(data, {.null = hilm::KciNull::Spectral, .seed = 7});
/// std::array<hilm::Index, 2> xs{0, 3}, ys{1};
/// hilm::KciResult hsic = spectral.test_sets(xs, ys, {});  // (X0, X3) ⫫ X1, no conditioning
/// @endcode
class KciTest {
 public:
  /// @param[in] data n × p samples (copied as double).
  /// @param[in] options kernels, widths and null; see `KciOptions`.
  /// @throws hilm::invalid_argument if options are invalid, n < 4 or data are not finite.
  template <class Derived>
  explicit KciTest(const Eigen::MatrixBase<Derived>& data, KciOptions options = {})
      : data_(data.template cast<double>()), options_(options) {
    if (auto message = options_.validate()) hilm::detail::raise<invalid_argument>(*message);
    if (data_.rows() < 4) hilm::detail::raise<invalid_argument>("KciTest: need at least 4 samples");
    if (!data_.allFinite())
      hilm::detail::raise<invalid_argument>("KciTest: data contain NaN or Inf");
  }

  /// Tests X_x ⫫ X_y | X_z (unconditional when z is empty).
  ///
  /// The conditional statistic is not symmetric in X and Y (X is augmented with Z); like
  /// causal-learn, `test` always puts the smaller index first, so `test(x, y, z)` equals
  /// `test(y, x, z)`.
  [[nodiscard]] CiResult test(Index x, Index y, std::span<const Index> z) const {
    hilm::detail::check_ci_indices("KciTest", num_variables(), x, y, z);
    const Index xs[1] = {std::min(x, y)};
    const Index ys[1] = {std::max(x, y)};
    return test_sets(xs, ys, z).ci();
  }

  /// Tests X_xs ⫫ X_ys | X_z for groups of columns (multivariate X and Y), in the given order.
  /// @throws hilm::invalid_argument if a group is empty, an index is out of range, or groups
  ///         overlap.
  [[nodiscard]] KciResult test_sets(std::span<const Index> xs, std::span<const Index> ys,
                                    std::span<const Index> z) const {
    check_sets(xs, ys, z);
    Random rng(options_.seed);
    return z.empty() ? unconditional(xs, ys, rng) : conditional(xs, ys, z, rng);
  }

  /// Number of variables p.
  [[nodiscard]] Index num_variables() const noexcept { return data_.cols(); }
  /// Number of samples n.
  [[nodiscard]] Index sample_size() const noexcept { return data_.rows(); }
  /// The options.
  [[nodiscard]] const KciOptions& options() const noexcept { return options_; }

 private:
  void check_sets(std::span<const Index> xs, std::span<const Index> ys,
                  std::span<const Index> z) const {
    if (xs.empty() || ys.empty())
      hilm::detail::raise<invalid_argument>("KciTest: x and y groups must be non-empty");
    std::vector<Index> all(xs.begin(), xs.end());
    all.insert(all.end(), ys.begin(), ys.end());
    all.insert(all.end(), z.begin(), z.end());
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i] < 0 || all[i] >= num_variables())
        hilm::detail::raise<invalid_argument>("KciTest: index " + std::to_string(all[i]) +
                                              " is out of range [0, " +
                                              std::to_string(num_variables()) + ")");
      for (std::size_t j = 0; j < i; ++j)
        if (all[j] == all[i])
          hilm::detail::raise<invalid_argument>("KciTest: index " + std::to_string(all[i]) +
                                                " appears twice among x, y and z");
    }
  }

  static double empirical_sigma(Index n, bool conditional) {
    if (conditional) return n < 200 ? 1.2 : (n < 1200 ? 0.7 : 0.4);
    return n < 200 ? 0.8 : (n < 1200 ? 0.5 : 0.3);
  }

  // θ = 1/σ² of a Gaussian kernel on `a` (already in the space the kernel sees), given the raw
  // data `raw` for the median rule, `manual` σ, and the dimension used by the empirical rule.
  double gaussian_theta(const Matrix<double>& raw, double manual, double empirical_factor,
                        Random& rng) const {
    switch (options_.width) {
      case KciWidth::Manual:
        return 1.0 / (manual * manual);
      case KciWidth::Median: {
        const double width = std::sqrt(2.0) * detail::median_distance(raw, rng);
        return width > 0 ? 1.0 / (width * width) : 1.0;
      }
      case KciWidth::Empirical:
      default:
        return empirical_factor;
    }
  }

  KciResult unconditional(std::span<const Index> xs, std::span<const Index> ys, Random& rng) const {
    const Index n = data_.rows();
    const double sigma = empirical_sigma(n, false);
    const Matrix<double> zx = detail::zscore_columns(data_, xs);
    const Matrix<double> zy = detail::zscore_columns(data_, ys);
    // causal-learn sets the widths on the raw columns, then z-scores.
    const double theta_x = gaussian_theta(detail::select_columns(data_, xs), options_.width_x,
                                          static_cast<double>(xs.size()) / (sigma * sigma), rng);
    const double theta_y = gaussian_theta(detail::select_columns(data_, ys), options_.width_y,
                                          static_cast<double>(ys.size()) / (sigma * sigma), rng);
    if (options_.method != KciMethod::Dense) {
      const auto fx = factor(zx, options_.kernel_x, theta_x);
      if (fx.complete) {
        const auto fy = factor(zy, options_.kernel_y, theta_y);
        if (fy.complete) return unconditional_factored(fx.factor, fy.factor, rng);
      }
    }
    Matrix<double> kx =
        detail::kernel_matrix(zx, options_.kernel_x, theta_x, options_.polynomial_degree);
    Matrix<double> ky =
        detail::kernel_matrix(zy, options_.kernel_y, theta_y, options_.polynomial_degree);
    detail::center_kernel(kx);
    detail::center_kernel(ky);
    KciResult result;
    result.statistic = (kx.array() * ky.array()).sum();
    const double nn = static_cast<double>(n);
    const double mean = kx.trace() * ky.trace() / nn;
    const double var = 2.0 * kx.squaredNorm() * ky.squaredNorm() / (nn * nn);
    set_gamma(result, mean, var);
    if (options_.null == KciNull::Spectral) {
      Eigen::SelfAdjointEigenSolver<Matrix<double>> ex(kx, Eigen::EigenvaluesOnly);
      Eigen::SelfAdjointEigenSolver<Matrix<double>> ey(ky, Eigen::EigenvaluesOnly);
      const Index keep = n > 1000 ? n / 2 : n;
      const Vector<double> lx = ex.eigenvalues().reverse().head(keep);
      const Vector<double> ly = ey.eigenvalues().reverse().head(keep);
      std::vector<double> weights;
      const double top = std::max(lx.maxCoeff() * ly.maxCoeff(), lx.minCoeff() * ly.minCoeff());
      for (Index i = 0; i < keep; ++i)
        for (Index j = 0; j < keep; ++j) {
          const double w = lx(i) * ly(j);
          if (w > top * 1e-6) weights.push_back(w / nn);
        }
      result.p_value = simulate(weights, result.statistic, rng);
    }
    return result;
  }

  KciResult conditional(std::span<const Index> xs, std::span<const Index> ys,
                        std::span<const Index> z, Random& rng) const {
    const Index n = data_.rows();
    const double sigma = empirical_sigma(n, true);
    const double dz = static_cast<double>(z.size());
    const Matrix<double> zx = detail::zscore_columns(data_, xs);
    const Matrix<double> zy = detail::zscore_columns(data_, ys);
    const Matrix<double> zz = detail::zscore_columns(data_, z);
    Matrix<double> xa(n, zx.cols() + zz.cols());
    xa << zx, 0.5 * zz;
    const double empirical = 1.0 / (sigma * sigma * dz);
    const double theta_x = gaussian_theta(xa, options_.width_x, empirical, rng);
    const double theta_y = gaussian_theta(zy, options_.width_y, empirical, rng);
    const double theta_z = gaussian_theta(zz, options_.width_z, empirical, rng);
    if (options_.method != KciMethod::Dense) {
      // Cheapest factors first, so that a fallback to the dense path wastes little work.
      const auto fz = factor(zz, options_.kernel_z, theta_z);
      if (fz.complete) {
        const auto fy = factor(zy, options_.kernel_y, theta_y);
        if (fy.complete) {
          const auto fx = factor(xa, options_.kernel_x, theta_x);
          if (fx.complete) return conditional_factored(fx.factor, fy.factor, fz.factor, rng);
        }
      }
    }
    Matrix<double> kx =
        detail::kernel_matrix(xa, options_.kernel_x, theta_x, options_.polynomial_degree);
    Matrix<double> ky =
        detail::kernel_matrix(zy, options_.kernel_y, theta_y, options_.polynomial_degree);
    Matrix<double> kz =
        detail::kernel_matrix(zz, options_.kernel_z, theta_z, options_.polynomial_degree);
    detail::center_kernel(kx);
    detail::center_kernel(ky);
    detail::center_kernel(kz);
    // Rz = ε (K̃z + εI)⁻¹; K̃z is positive semi-definite, so the shifted matrix is definite.
    kz.diagonal().array() += options_.epsilon;
    Eigen::LLT<Matrix<double>> llt(kz);
    Matrix<double> rz = Matrix<double>::Identity(n, n);
    if (llt.info() == Eigen::Success) {
      llt.solveInPlace(rz);
    } else {  // numerically indefinite kernel (not expected): fall back to LDLT
      Eigen::LDLT<Matrix<double>> ldlt(kz);
      ldlt.solveInPlace(rz);
    }
    rz *= options_.epsilon;
    rz = (0.5 * (rz + rz.transpose())).eval();
    const Matrix<double> kxr = detail::sandwich(rz, kx);
    const Matrix<double> kyr = detail::sandwich(rz, ky);
    KciResult result;
    result.statistic = (kxr.array() * kyr.array()).sum();
    // The two truncations are independent and mostly sequential work: run them side by side.
    Matrix<double> kx_hat, ky_hat;
    hilm::detail::ParallelGuard guard;  // the eigendecompositions allocate
#if defined(_OPENMP)
#pragma omp parallel sections num_threads(2) if (n >= 256)
#endif
    {
#if defined(_OPENMP)
#pragma omp section
#endif
      guard.run([&] { kx_hat = detail::truncated_spectral_part(kxr, 1e-5); });
#if defined(_OPENMP)
#pragma omp section
#endif
      guard.run([&] { ky_hat = detail::truncated_spectral_part(kyr, 1e-5); });
    }
    guard.rethrow();
    const Matrix<double> w = (kx_hat.array() * ky_hat.array()).matrix();
    set_gamma(result, w.trace(), 2.0 * w.squaredNorm());
    if (options_.null == KciNull::Spectral) {
      Eigen::SelfAdjointEigenSolver<Matrix<double>> ew(w, Eigen::EigenvaluesOnly);
      const Vector<double> mu = ew.eigenvalues();
      const double top = mu.maxCoeff();
      std::vector<double> weights;
      for (Index i = 0; i < mu.size(); ++i)
        if (mu(i) > top * 1e-5) weights.push_back(mu(i));
      result.p_value = simulate(weights, result.statistic, rng);
    }
    return result;
  }

  // Centred kernel factor; incomplete when `Automatic` would need more than the rank cap.
  [[nodiscard]] detail::PivotedCholesky factor(const Matrix<double>& a, KernelKind kind,
                                               double theta) const {
    const Index n = a.rows();
    Index cap = n;
    if (options_.method == KciMethod::Automatic)
      cap = std::max<Index>(
          1, static_cast<Index>(options_.max_rank_fraction * static_cast<double>(n)));
    return detail::kernel_factor(a, kind, theta, options_.polynomial_degree,
                                 options_.factor_tolerance, cap);
  }

  // The unconditional test from centred factors K̃x = Lx Lxᵀ, K̃y = Ly Lyᵀ: Σ K̃x ∘ K̃y = ‖LxᵀLy‖²,
  // tr K̃ = tr LᵀL, ‖K̃‖²_F = ‖LᵀL‖²_F, and the non-zero spectrum of K̃ is that of LᵀL.
  KciResult unconditional_factored(const Matrix<double>& lx, const Matrix<double>& ly,
                                   Random& rng) const {
    const Index n = lx.rows();
    const double nn = static_cast<double>(n);
    KciResult result;
    result.factored = true;
    result.factor_rank = std::max(lx.cols(), ly.cols());
    result.statistic = (lx.transpose() * ly).squaredNorm();
    const Matrix<double> gx = detail::gram(lx);
    const Matrix<double> gy = detail::gram(ly);
    set_gamma(result, gx.trace() * gy.trace() / nn,
              2.0 * gx.squaredNorm() * gy.squaredNorm() / (nn * nn));
    if (options_.null == KciNull::Spectral) {
      // Same weights, in the same order, as the dense path (which keeps the n/2 largest
      // eigenvalues when n > 1000; the others are zero to rounding here).
      const Index keep = n > 1000 ? n / 2 : n;
      auto spectrum = [keep](const Matrix<double>& g) {
        if (g.rows() == 0) return Vector<double>(Vector<double>::Zero(1));
        const Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(g, Eigen::EigenvaluesOnly);
        const Vector<double> values = eig.eigenvalues().reverse();
        return Vector<double>(values.head(std::min(keep, values.size())));
      };
      const Vector<double> ex = spectrum(gx);
      const Vector<double> ey = spectrum(gy);
      const double top = std::max(ex.maxCoeff() * ey.maxCoeff(), ex.minCoeff() * ey.minCoeff());
      std::vector<double> weights;
      for (Index i = 0; i < ex.size(); ++i)
        for (Index j = 0; j < ey.size(); ++j) {
          const double w = ex(i) * ey(j);
          if (w > top * 1e-6) weights.push_back(w / nn);
        }
      result.p_value = simulate(weights, result.statistic, rng);
    }
    return result;
  }

  // The conditional test from centred factors (see detail/kci_factored.hpp).
  KciResult conditional_factored(const Matrix<double>& lx, const Matrix<double>& ly,
                                 const Matrix<double>& lz, Random& rng) const {
    const Matrix<double> mx = detail::regress_out(lz, options_.epsilon, lx);
    const Matrix<double> my = detail::regress_out(lz, options_.epsilon, ly);
    KciResult result;
    result.factored = true;
    result.factor_rank = std::max({lx.cols(), ly.cols(), lz.cols()});
    result.statistic = (mx.transpose() * my).squaredNorm();
    const Matrix<double> fx = detail::truncated_factor(mx, 1e-5);
    const Matrix<double> fy = detail::truncated_factor(my, 1e-5);
    const bool spectral = options_.null == KciNull::Spectral;
    const detail::HadamardMoments moments = detail::hadamard_moments(fx, fy, spectral);
    set_gamma(result, moments.trace, 2.0 * moments.squared_norm);
    if (spectral) {
      const Vector<double>& mu = moments.spectrum;
      std::vector<double> weights;
      if (mu.size() > 0) {
        const double top = mu.maxCoeff();
        for (Index i = 0; i < mu.size(); ++i)
          if (mu(i) > top * 1e-5) weights.push_back(mu(i));
      }
      result.p_value = simulate(weights, result.statistic, rng);
    }
    return result;
  }

  static void set_gamma(KciResult& result, double mean, double var) {
    if (!(mean > 0) || !(var > 0)) {  // degenerate kernels (e.g. a constant variable)
      result.p_value = 1.0;
      return;
    }
    result.gamma_shape = mean * mean / var;
    result.gamma_scale = var / mean;
    result.p_value = gamma_sf(result.statistic, result.gamma_shape, result.gamma_scale);
  }

  double simulate(const std::vector<double>& weights, double statistic, Random& rng) const {
    Index exceed = 0;
    for (Index s = 0; s < options_.null_samples; ++s) {
      double value = 0.0;
      for (double w : weights) {
        const double g = rng.normal();
        value += w * g * g;
      }
      exceed += value > statistic;
    }
    return static_cast<double>(exceed) / static_cast<double>(options_.null_samples);
  }

  Matrix<double> data_;
  KciOptions options_;
};

}  // namespace hilm

#endif  // HILM_STATS_KCI_HPP
