// A source without `read`: rejected with a sentence saying what to add.
// expect: no member function `read`. add `Index read\(Eigen::Ref<hilm::RowMatrix<Scalar>> out\)`
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = float;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  void rewind() {}
};

static_assert(hilm::detail::check_activation_source<Source>());
