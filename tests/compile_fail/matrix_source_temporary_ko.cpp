// A temporary matrix would die before the source that views it.
// expect: would leave it dangling
#include <hilm/sources/matrix_source.hpp>

hilm::RowMatrix<float> make();

void use() {
  hilm::MatrixSource<float> source(make());
  (void)source.size();
}
