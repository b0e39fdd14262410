// Quick start: load activations from a .npy file, stream them through an activation source in
// batches, and save a summary array. (Estimators — SAEs, NMF, CI tests — plug into the same
// source; see docs/.)
#include <cstdio>
#include <string>

#include <hilm/io/npy.hpp>
#include <hilm/sources/matrix_source.hpp>

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : HILM_EXAMPLE_DATA_DIR "/activations.npy";
  try {
    // Rows are samples, columns are features; the file may be float32/float64/int, C or Fortran.
    const hilm::RowMatrix<float> x = hilm::read_npy<float>(path);
    std::printf("loaded %s: %ld samples x %ld features\n", path.c_str(), long(x.rows()),
                long(x.cols()));

    // Any ActivationSource streams batches into caller memory; MatrixSource wraps a matrix.
    hilm::MatrixSource<float> source(x);
    hilm::RowMatrix<float> batch(64, source.dim());
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(source.dim());
    hilm::Index seen = 0;
    for (hilm::Index got; (got = source.read(batch)) > 0; seen += got) {
      mean += batch.topRows(got).cast<double>().colwise().sum();
    }
    mean /= double(seen);
    std::printf("streamed %ld rows; mean activation norm %.4f\n", long(seen), mean.norm());

    // Outputs are written atomically: a temporary file, then rename.
    hilm::write_npy("quickstart_mean.npy", mean);
    std::printf("wrote quickstart_mean.npy\n");
  } catch (const hilm::error& e) {
    std::fprintf(stderr, "quickstart: %s\n", e.message());
    return 1;
  }
  return 0;
}
