// A column-major matrix is refused rather than silently copied.
// expect: will not silently copy a column-major one
#include <hilm/sources/matrix_source.hpp>

void use(const hilm::Matrix<float>& x) {
  hilm::MatrixSource<float> source(x);
  (void)source.size();
}
