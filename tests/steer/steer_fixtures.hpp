// Hand-built sparse autoencoders with known behaviour for the steer tests.
#ifndef HILM_TESTS_STEER_STEER_FIXTURES_HPP
#define HILM_TESTS_STEER_STEER_FIXTURES_HPP

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/weights.hpp>

#include "support/generators.hpp"

namespace hilm::test {

// A d × d orthonormal matrix: the product of two Householder reflections I − 2 v vᵀ / vᵀv.
inline RowMatrix<double> random_orthonormal(Index d, Random& rng) {
  RowMatrix<double> q = RowMatrix<double>::Identity(d, d);
  for (int reflection = 0; reflection < 2; ++reflection) {
    Eigen::VectorXd v(d);
    for (Index i = 0; i < d; ++i) v(i) = rng.normal();
    const RowMatrix<double> h =
        RowMatrix<double>::Identity(d, d) - 2.0 * v * v.transpose() / v.squaredNorm();
    q = (q * h).eval();
  }
  return q;
}

// ReLU SAE with encoder = decoder = rows of `dirs` (m × d), zero encoder bias and the given b_dec
// and input scale. With orthonormal rows, inputs x = (s · dirs + b_dec) / scale with s >= 0 encode
// to exactly s.
template <class Scalar>
SaeWeights<Scalar> relu_sae(const RowMatrix<double>& dirs, const Eigen::VectorXd& b_dec,
                            double scale = 1.0) {
  SaeWeights<Scalar> w;
  w.architecture = SaeArchitecture::ReLU;
  w.w_enc = dirs.cast<Scalar>();
  w.w_dec = dirs.cast<Scalar>();
  w.b_enc = Vector<Scalar>::Zero(dirs.rows());
  w.b_dec = b_dec.cast<Scalar>();
  w.input_scale = static_cast<Scalar>(scale);
  return w;
}

// n × m non-negative sparse codes: `active` latents per row with values U[0.5, 1.5].
inline RowMatrix<double> sparse_codes(Index n, Index m, Index active, Random& rng) {
  RowMatrix<double> s = RowMatrix<double>::Zero(n, m);
  for (Index r = 0; r < n; ++r) {
    for (Index a = 0; a < active; ++a) {
      s(r, static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(m)))) =
          rng.uniform(0.5, 1.5);
    }
  }
  return s;
}

// m × d random unit rows (Gaussian directions, normalised).
inline RowMatrix<double> random_unit_rows(Index m, Index d, Random& rng) {
  RowMatrix<double> a = normal_matrix<RowMatrix<double>>(m, d, rng);
  for (Index i = 0; i < m; ++i) a.row(i).normalize();
  return a;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_STEER_STEER_FIXTURES_HPP
