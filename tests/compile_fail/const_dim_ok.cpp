// dim() callable on a const source.
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = float;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  hilm::Index read(Eigen::Ref<hilm::RowMatrix<float>> out) { return out.rows(); }
  void rewind() {}
};

static_assert(hilm::detail::check_activation_source<Source>());
