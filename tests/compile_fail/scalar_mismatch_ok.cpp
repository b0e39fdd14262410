// An estimator for double given a double source.
#include <hilm/concepts/activation_source.hpp>
#include <hilm/sources/matrix_source.hpp>

template <class Source>
void fit_double(Source& source) {
  hilm::detail::check_activation_source<Source, double>();
  (void)source.dim();
}

void use(const hilm::RowMatrix<double>& x) {
  hilm::MatrixSource source(x);
  fit_double(source);
}
