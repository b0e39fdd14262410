// A row-major matrix is viewed.
#include <hilm/sources/matrix_source.hpp>

void use(const hilm::RowMatrix<float>& x) {
  hilm::MatrixSource source(x);
  (void)source.size();
}
