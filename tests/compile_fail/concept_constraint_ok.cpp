// A function constrained with the concept accepts a conforming source.
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = float;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  hilm::Index read(Eigen::Ref<hilm::RowMatrix<float>> out) { return out.rows(); }
  void rewind() {}
};

template <hilm::ActivationSource S>
void fit(S& source) {
  source.rewind();
}

void use(Source& source) { fit(source); }
