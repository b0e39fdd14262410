// An estimator for double given a float source: never converted silently.
// expect: differs from the scalar type expected where it is used.*never converts data silently
#include <hilm/concepts/activation_source.hpp>
#include <hilm/sources/matrix_source.hpp>

template <class Source>
void fit_double(Source& source) {
  hilm::detail::check_activation_source<Source, double>();
  (void)source.dim();
}

void use(const hilm::RowMatrix<float>& x) {
  hilm::MatrixSource source(x);
  fit_double(source);
}
