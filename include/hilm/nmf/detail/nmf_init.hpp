// Initialisation of the NMF factors (kept transposed: wt is k × m, h is k × n) and the
// randomised truncated SVD behind NNDSVD.
#ifndef HILM_NMF_DETAIL_NMF_INIT_HPP
#define HILM_NMF_DETAIL_NMF_INIT_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <Eigen/Core>
#include <Eigen/QR>
#include <Eigen/SVD>

#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/nmf_data.hpp>
#include <hilm/nmf/nmf_types.hpp>

namespace hilm::detail {

/// Top singular triplets of A: u is m × r, s has r values (decreasing), v is n × r.
template <class Scalar>
struct TruncatedSvd {
  Matrix<Scalar> u;
  Vector<Scalar> s;
  Matrix<Scalar> v;
};

/// Replaces x (p × N) by a matrix whose rows are an orthonormal basis of its row space.
template <class Scalar>
void orthonormalize_rows(Matrix<Scalar>& x) {
  const Index p = x.rows(), n = x.cols();
  Eigen::HouseholderQR<Matrix<Scalar>> qr(x.transpose());
  Matrix<Scalar> q = qr.householderQ() * Matrix<Scalar>::Identity(n, p);
  x = q.transpose();
}

/// Randomised subspace iteration (Halko, Martinsson & Tropp 2011, "Finding structure with
/// randomness", SIAM Review 53, Algorithms 4.4 and 5.1) for the top `rank` singular triplets,
/// with `oversample` extra directions and `power` passes. When rank + oversample ≥ min(m, n)
/// the sketch spans the whole row space and the result is exact. Uses only the two products of
/// the data adaptor, so it works for dense and sparse data alike.
template <class Scalar, class Data>
TruncatedSvd<Scalar> randomized_svd(const Data& a, Index rank, std::uint64_t seed,
                                    Index oversample = 10, int power = 7) {
  const Index m = a.rows(), n = a.cols();
  const Index p = std::min(rank + oversample, std::min(m, n));
  Random random(seed);
  Matrix<Scalar> omega_t(p, n);  // Ωᵀ
  for (Index j = 0; j < n; ++j) {
    for (Index i = 0; i < p; ++i) omega_t(i, j) = static_cast<Scalar>(random.normal());
  }
  Matrix<Scalar> qt;  // Qᵀ, p × m, orthonormal rows spanning the range of A
  a.left_transposed(omega_t, qt);
  orthonormalize_rows(qt);
  Matrix<Scalar> zt;
  for (int pass = 0; pass < power; ++pass) {
    a.left(qt, zt);  // (Aᵀ Q)ᵀ, p × n
    orthonormalize_rows(zt);
    a.left_transposed(zt, qt);  // (A Z)ᵀ, p × m
    orthonormalize_rows(qt);
  }
  Matrix<Scalar> b;  // B = Qᵀ A, p × n
  a.left(qt, b);
  // SVD of the small B through its tall transpose: Bᵀ = U' S V'ᵀ, so B = V' S U'ᵀ.
  Eigen::JacobiSVD<Matrix<Scalar>> svd(b.transpose(), Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Index r = std::min(rank, p);
  TruncatedSvd<Scalar> out;
  out.s = svd.singularValues().head(r);
  const Matrix<Scalar> q = qt.transpose();
  const Matrix<Scalar> vr = svd.matrixV().leftCols(r);
  product(q, vr, out.u);
  out.v = svd.matrixU().leftCols(r);
  return out;
}

/// NNDSVD (Boutsidis & Gallopoulos 2008, "SVD based initialization: A head start for nonnegative
/// matrix factorization", Pattern Recognition 41): the leading triplet in absolute value, then for
/// each further triplet the dominant one of its positive and negative parts. With `fill_mean`
/// (NNDSVDa) exact zeros become mean(A).
template <class Scalar, class Data>
void nndsvd_init(const Data& a, Index k, std::uint64_t seed, bool fill_mean, Matrix<Scalar>& wt,
                 Matrix<Scalar>& h) {
  const Index m = a.rows(), n = a.cols();
  // On large data two power passes: NNDSVD only needs the leading subspace roughly (its output
  // is a starting point) and each pass costs about one NMF iteration. Where passes are cheap,
  // seven (scikit-learn's choice) make the triplets accurate.
  const bool large = static_cast<double>(m) * static_cast<double>(n) >= 1e6;
  const TruncatedSvd<Scalar> svd = randomized_svd<Scalar>(a, k, seed, 10, large ? 2 : 7);
  wt = Matrix<Scalar>::Zero(k, m);
  h = Matrix<Scalar>::Zero(k, n);
  const Index r = svd.s.size();
  for (Index l = 0; l < r; ++l) {
    const Scalar sigma = svd.s(l);
    if (!(sigma > 0)) break;
    const Vector<Scalar> x = svd.u.col(l), y = svd.v.col(l);
    if (l == 0) {
      wt.row(0) = std::sqrt(sigma) * x.cwiseAbs().transpose();
      h.row(0) = std::sqrt(sigma) * y.cwiseAbs().transpose();
      continue;
    }
    const Vector<Scalar> xp = x.cwiseMax(Scalar(0)), xn = (-x).cwiseMax(Scalar(0));
    const Vector<Scalar> yp = y.cwiseMax(Scalar(0)), yn = (-y).cwiseMax(Scalar(0));
    const Scalar xpn = xp.norm(), xnn = xn.norm(), ypn = yp.norm(), ynn = yn.norm();
    const Scalar mp = xpn * ypn, mn = xnn * ynn;
    if (mp >= mn) {
      if (!(mp > 0)) continue;
      const Scalar scale = std::sqrt(sigma * mp);
      wt.row(l) = scale / xpn * xp.transpose();
      h.row(l) = scale / ypn * yp.transpose();
    } else {
      const Scalar scale = std::sqrt(sigma * mn);
      wt.row(l) = scale / xnn * xn.transpose();
      h.row(l) = scale / ynn * yn.transpose();
    }
  }
  // Round-off below eps · max becomes an exact zero (as the reference implementation does).
  const Scalar eps = std::numeric_limits<Scalar>::epsilon();
  wt = (wt.array() < eps * wt.maxCoeff()).select(Scalar(0), wt);
  h = (h.array() < eps * h.maxCoeff()).select(Scalar(0), h);
  if (fill_mean) {
    const auto mean =
        static_cast<Scalar>(a.sum() / (static_cast<double>(m) * static_cast<double>(n)));
    wt = (wt.array() == Scalar(0)).select(mean, wt);
    h = (h.array() == Scalar(0)).select(mean, h);
  }
}

/// Random initialisation: entries sqrt(mean(A) / k) · |N(0, 1)| (scikit-learn's scaling, so that
/// WH has the mean of A on average).
template <class Scalar, class Data>
void random_init(const Data& a, Index k, std::uint64_t seed, Matrix<Scalar>& wt,
                 Matrix<Scalar>& h) {
  const Index m = a.rows(), n = a.cols();
  const double mean = a.sum() / (static_cast<double>(m) * static_cast<double>(n));
  const double scale = std::sqrt(std::max(mean, 0.0) / static_cast<double>(k));
  Random random(seed);
  wt.resize(k, m);
  h.resize(k, n);
  for (Index i = 0; i < m; ++i)
    for (Index l = 0; l < k; ++l) wt(l, i) = static_cast<Scalar>(scale * std::abs(random.normal()));
  for (Index j = 0; j < n; ++j)
    for (Index l = 0; l < k; ++l) h(l, j) = static_cast<Scalar>(scale * std::abs(random.normal()));
}

/// Dispatches on `options.init`.
template <class Scalar, class Data>
void initialize(const Data& a, const NmfOptions& options, Matrix<Scalar>& wt, Matrix<Scalar>& h) {
  switch (options.init) {
    case NmfInit::Nndsvd:
      nndsvd_init(a, options.rank, options.seed, false, wt, h);
      break;
    case NmfInit::Nndsvda:
      nndsvd_init(a, options.rank, options.seed, true, wt, h);
      break;
    case NmfInit::Random:
      random_init(a, options.rank, options.seed, wt, h);
      break;
  }
}

}  // namespace hilm::detail

#endif  // HILM_NMF_DETAIL_NMF_INIT_HPP
