// `read` may return any type convertible to hilm::Index (here int).
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = float;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  int read(Eigen::Ref<hilm::RowMatrix<float>> out) { return static_cast<int>(out.rows()); }
  void rewind() {}
};

static_assert(hilm::detail::check_activation_source<Source>());
