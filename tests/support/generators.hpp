// Test data: normal_matrix (standard normal entries from a Random or a seed), grid_data
// (deterministic values in [−1, 1] without a random stream), random_cpt (Dirichlet columns: a
// conditional probability table) and t4_matrix (DESIGN.md's T4 matrix). The draws are made in a
// fixed order, so a seeded test gets the same data every run.
#ifndef HILM_TESTS_SUPPORT_GENERATORS_HPP
#define HILM_TESTS_SUPPORT_GENERATORS_HPP

#include <cmath>
#include <cstdint>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>

namespace hilm::test {

/// A rows × cols matrix of type `M` whose entries are `scale` × standard normal draws from `rng`,
/// drawn in storage order (row by row for a RowMatrix, column by column for a Matrix).
template <class M>
inline M normal_matrix(Index rows, Index cols, Random& rng, double scale = 1.0) {
  M m(rows, cols);
  for (Index i = 0; i < m.size(); ++i)
    m.data()[i] = static_cast<typename M::Scalar>(scale * rng.normal());
  return m;
}

/// The same with draws from a fresh Random(seed).
template <class M>
inline M normal_matrix(Index rows, Index cols, std::uint64_t seed) {
  Random rng(seed);
  return normal_matrix<M>(rows, cols, rng);
}

/// n × d values sin(0.37 i (j + 2) + j): random-looking, in [−1, 1], and the same everywhere.
inline RowMatrix<double> grid_data(Index n, Index d) {
  RowMatrix<double> x(n, d);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j)
      x(i, j) = std::sin(0.37 * static_cast<double>(i * (j + 2)) + static_cast<double>(j));
  return x;
}

/// A states × parents table P(child | parent) whose columns are Dirichlet(alpha) draws.
inline Matrix<double> random_cpt(Random& random, Index states, Index parents, double alpha = 1.0) {
  Matrix<double> cpt(states, parents);
  std::vector<double> column(static_cast<std::size_t>(states));
  for (Index j = 0; j < parents; ++j) {
    random.dirichlet(alpha, column);
    for (Index i = 0; i < states; ++i) cpt(i, j) = column[static_cast<std::size_t>(i)];
  }
  return cpt;
}

/// DESIGN.md §1, T4: rows (1,1,0,0), (1,0,1,0), (0,1,0,1), (0,0,1,1); rank 3, non-negative rank 4.
inline Matrix<double> t4_matrix() {
  Matrix<double> a(4, 4);
  a << 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1;
  return a;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_SUPPORT_GENERATORS_HPP
