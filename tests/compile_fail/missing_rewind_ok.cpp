// A source with rewind(), given to a function constrained on the concept.
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = float;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  hilm::Index read(Eigen::Ref<hilm::RowMatrix<float>> out) { return out.rows(); }
  void rewind() {}
};

template <class S>
void fit(S& source) {
  hilm::detail::check_activation_source<S>();
  source.rewind();
}

void use(Source& source) { fit(source); }
