// A source without `using Scalar = ...`.
// expect: has no member type `Scalar`. add `using Scalar = float.`
#include <hilm/concepts/activation_source.hpp>

struct Source {
  [[nodiscard]] hilm::Index dim() const { return 3; }
  hilm::Index read(Eigen::Ref<hilm::RowMatrix<double>> out) { return out.rows(); }
  void rewind() {}
};

static_assert(hilm::detail::check_activation_source<Source>());
