// Trains a TopK sparse autoencoder by streaming a memory-mapped .npy file (the way to train on
// activations larger than memory), then checks that it recovered the planted latents.
//
//   hilm_example_03_sae_streaming [file.npy]
//
// Without an argument it writes a synthetic data set (x = codes · atoms, 3 of 32 latents active
// per row, DESIGN.md check T9) to a temporary file first.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include <hilm/io/npy.hpp>
#include <hilm/metrics/dictionary.hpp>
#include <hilm/metrics/mcc.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/npy_file_source.hpp>
#include <hilm/synth/sparse_linear.hpp>

int main(int argc, char** argv) {
  try {
    std::string path;
    hilm::SparseLinearData<float> truth;
    const bool synthetic = argc < 2;
    if (synthetic) {
      truth = hilm::sparse_linear<float>({.samples = 50000, .seed = 7});
      path = (std::filesystem::temp_directory_path() / "hilm_example_03.npy").string();
      hilm::write_npy(path, truth.x);
    } else {
      path = argv[1];
    }

    // The file is mapped, not loaded: memory is one shuffle buffer plus the model.
    hilm::NpyFileSource<float> source(path);
    hilm::SparseAutoencoder<float> sae({.latents = 64,
                                        .k = 3,
                                        .batch_size = 256,
                                        .epochs = 3,
                                        .learning_rate = 0.003,
                                        .dead_after_rows = 20000,
                                        .shuffle_buffer_rows = 8192,
                                        .seed = 1});
    const hilm::SaeResult result = sae.fit(source);
    std::cout << "trained " << result.steps << " steps on " << source.size() << " rows ("
              << static_cast<double>(result.rows) / result.train_seconds << " rows/s): mse "
              << result.metrics.mse << ", explained variance " << result.metrics.explained_variance
              << ", L0 " << result.metrics.l0 << "\n";

    if (synthetic) {
      const hilm::RowMatrix<float> z = sae.encode(truth.x);
      const double mcc = hilm::mcc(truth.codes, z).mean;
      const double cosine = hilm::dictionary_recovery(truth.atoms, sae.weights().w_dec).median;
      std::cout << "recovery of the 32 planted latents: MCC " << mcc << ", median atom cosine "
                << cosine << "\n";
      std::filesystem::remove(path);
      return mcc >= 0.9 ? 0 : 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
