// The bare constraint also rejects a source without rewind(), naming the failed requirement.
// expect: s\.rewind\(\)[^ ]* (is|would be) invalid
#include <hilm/concepts/activation_source.hpp>

struct Source {
  using Scalar = float;
  [[nodiscard]] hilm::Index dim() const { return 3; }
  hilm::Index read(Eigen::Ref<hilm::RowMatrix<float>> out) { return out.rows(); }
};

template <hilm::ActivationSource S>
void fit(S& /*source*/) {}

void use(Source& source) { fit(source); }
