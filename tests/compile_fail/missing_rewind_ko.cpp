// Without rewind() a source cannot be read more than once.
// expect: has no member function `rewind\(\)`. add `void rewind\(\)`
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = float;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  hilm::Index read(Eigen::Ref<hilm::RowMatrix<float>> out) { return out.rows(); }
};

template <class S>
void fit(S& /*source*/) {
  hilm::detail::check_activation_source<S>();
}

void use(Source& source) { fit(source); }
