// A named matrix outlives the source.
#include <hilm/sources/matrix_source.hpp>

hilm::RowMatrix<float> make();

void use() {
  const hilm::RowMatrix<float> x = make();
  hilm::MatrixSource source(x);
  (void)source.size();
}
