// dim() that is not const is refused with a hint to add `const`.
// expect: declare it as `Index dim\(\) const`
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = float;
  hilm::Index dim() { return 3; }
  hilm::Index read(Eigen::Ref<hilm::RowMatrix<float>> out) { return out.rows(); }
  void rewind() {}
};

static_assert(hilm::detail::check_activation_source<Source>());
