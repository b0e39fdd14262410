// `read` must say how many rows it wrote.
// expect: must return the number of rows written
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = float;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  void read(Eigen::Ref<hilm::RowMatrix<float>> /*out*/) {}
  void rewind() {}
};

static_assert(hilm::detail::check_activation_source<Source>());
