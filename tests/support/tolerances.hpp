// Per-scalar tolerances for numerical comparisons (ensmallen's Tolerances<T> idea).
#ifndef HILM_TESTS_SUPPORT_TOLERANCES_HPP
#define HILM_TESTS_SUPPORT_TOLERANCES_HPP

namespace hilm::test {

template <class Scalar>
struct Tolerances;

template <>
struct Tolerances<float> {
  static constexpr double exact = 1e-6;  // results of a few exact operations
  static constexpr double solve = 1e-4;  // after a factorisation or an iterative solve
};

template <>
struct Tolerances<double> {
  static constexpr double exact = 1e-13;
  static constexpr double solve = 1e-9;
};

}  // namespace hilm::test

#endif  // HILM_TESTS_SUPPORT_TOLERANCES_HPP
