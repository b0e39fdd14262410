// AnySource<double> refuses a float source.
// expect: differs from the scalar type expected where it is used
#include <hilm/sources/any_source.hpp>
#include <hilm/sources/matrix_source.hpp>

void use(const hilm::RowMatrix<float>& x) {
  hilm::AnySource<double> any{hilm::MatrixSource(x)};
  (void)any.dim();
}
