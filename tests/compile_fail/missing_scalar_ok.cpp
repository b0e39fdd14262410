// A source that declares its scalar type.
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = double;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  hilm::Index read(Eigen::Ref<hilm::RowMatrix<double>> out) { return out.rows(); }
  void rewind() {}
};

static_assert(hilm::detail::check_activation_source<Source>());
