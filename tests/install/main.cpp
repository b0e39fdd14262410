// Consumer of an installed hilm: exits 0 when the headers work as installed. It includes the
// convenience umbrella, so every installed public header is compiled here once.
#include <cstdio>

#include <hilm/hilm.hpp>

int main() {
  hilm::RowMatrix<double> x(4, 3);
  hilm::Random rng(1);
  for (hilm::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.normal();
  hilm::MatrixSource<double> source(x);
  hilm::RowMatrix<double> batch(3, 3);
  hilm::Index total = 0;
  for (hilm::Index got = source.read(batch); got > 0; got = source.read(batch)) total += got;
  if (total != 4) return 1;
  std::printf("hilm %s consumer ok\n", hilm::version_string);
  return 0;
}
