// AnySource<float> holds a float source.
#include <hilm/sources/any_source.hpp>
#include <hilm/sources/matrix_source.hpp>

void use(const hilm::RowMatrix<float>& x) {
  hilm::AnySource<float> any{hilm::MatrixSource(x)};
  (void)any.dim();
}
