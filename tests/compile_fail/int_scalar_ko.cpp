// An integral scalar is rejected: activations are floating point.
// expect: `Scalar` must be a floating-point type
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = int;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  hilm::Index read(Eigen::Ref<hilm::RowMatrix<int>> out) { return out.rows(); }
  void rewind() {}
};

static_assert(hilm::detail::check_activation_source<Source>());
