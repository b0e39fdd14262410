// `hilm sae train | encode | eval` (DESIGN.md §3): trains a sparse autoencoder on activations
// and saves it in the SAELens layout; encodes data with a saved model (SAELens or sparsify
// layout); evaluates a saved model on data. docs/sae.md describes the options.
#include <algorithm>
#include <memory>
#include <string>

#include <hilm/io/npy.hpp>
#include <hilm/sae/saelens.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/sources/npy_file_source.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

struct SaeTrainArgs {
  std::string data, out, arch = "topk";
  Index latents = 0, k = 32, epochs = 1, steps = 0, batch = 1024;
  double l1 = -1, lr = 0;
  std::uint64_t seed = 0;
  Index auxk = -1, dead_after = 10'000'000, buffer = 65536;
  std::string matryoshka;
};

struct SaeModelArgs {
  std::string model, data, out;
  Index batch = 4096;
};

bool is_npy(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
}

SaeWeights<float> load_model(const std::string& dir, Index d, const std::string& data) {
  SaeWeights<float> w = load_sae<float>(dir);
  if (w.d_in() != d) {
    throw bad_input(data, "the data have d = " + std::to_string(d) +
                              " columns but the model's d_in is " + std::to_string(w.d_in()) +
                              " (" + dir + ")");
  }
  return w;
}

nlohmann::json metrics_json(const SaeMetrics& m) {
  return {{"mse", m.mse},
          {"explained_variance", m.explained_variance},
          {"l0", m.l0},
          {"dead_fraction", m.dead_fraction},
          {"dense_fraction", m.dense_fraction},
          {"rows", m.rows}};
}

template <class Source>
void train(const SaeTrainArgs& a, Source& source) {
  const auto arch = parse_sae_architecture(a.arch);
  if (!arch || a.arch == "standard") {
    throw usage_error("--arch must be topk, batchtopk, relu or jumprelu, got " + a.arch);
  }
  SaeOptions options;
  options.architecture = *arch;
  options.latents = a.latents;
  options.k = a.k;
  if (a.l1 >= 0) {
    options.l1_coefficient = a.l1;
    options.l0_coefficient = a.l1;
  }
  options.epochs = a.epochs;
  options.steps = a.steps;
  options.batch_size = a.batch;
  options.learning_rate = a.lr;
  options.seed = a.seed;
  options.auxk = a.auxk;
  options.dead_after_rows = a.dead_after;
  options.shuffle_buffer_rows = a.buffer > 0 ? std::max(a.buffer, a.batch) : 0;
  if (!a.matryoshka.empty())
    options.matryoshka_prefixes = parse_index_list(a.matryoshka, "--matryoshka");
  options.progress = progress_bar("sae train");
  if (auto problem = options.validate()) throw usage_error(*problem);
  SparseAutoencoder<float> sae(options);
  const SaeResult result = sae.fit(source);
  if (result.status == FitStatus::NumericalIssue) throw numerical_failure(result.message);
  make_output_dir(a.out);
  save_saelens(sae.weights(), a.out);
  nlohmann::json out = metrics_json(result.metrics);
  out["architecture"] = a.arch;
  out["d_in"] = sae.weights().d_in();
  out["d_sae"] = sae.weights().d_sae();
  if (options.topk_family()) out["k"] = options.k;
  out["status"] = std::string(to_string(result.status));
  out["steps"] = result.steps;
  out["rows_seen"] = result.rows;
  out["epochs"] = result.epochs;
  out["rows_per_second"] =
      result.train_seconds > 0 ? static_cast<double>(result.rows) / result.train_seconds : 0.0;
  out["model"] = a.out;
  print_json(out, result.elapsed_seconds);
}

void setup_sae(CLI::App& root) {
  auto* sae = root.add_subcommand("sae", "Sparse autoencoders: train, encode, eval");
  sae->require_subcommand(1);

  auto t = std::make_shared<SaeTrainArgs>();
  auto* train_cmd =
      sae->add_subcommand("train", "Train a sparse autoencoder; save it (SAELens layout)");
  train_cmd->add_option("--data", t->data, "Activations, n × d (.npy, memory-mapped, or text)")
      ->required();
  train_cmd->add_option("--arch", t->arch, "topk | batchtopk | relu | jumprelu")
      ->capture_default_str();
  train_cmd->add_option("--latents", t->latents, "Number of latents m")->required();
  train_cmd->add_option("--k", t->k, "Active latents per row (topk, batchtopk)")
      ->capture_default_str();
  train_cmd->add_option("--l1", t->l1, "Sparsity coefficient (relu: L1, jumprelu: L0)");
  train_cmd->add_option("--epochs", t->epochs, "Passes over the data (when --steps is 0)")
      ->capture_default_str();
  train_cmd->add_option("--steps", t->steps, "Optimiser steps (0: from --epochs)")
      ->capture_default_str();
  train_cmd->add_option("--batch", t->batch, "Rows per step")->capture_default_str();
  train_cmd->add_option("--lr", t->lr, "Adam learning rate (0: 2e-4/sqrt(m/2^14))")
      ->capture_default_str();
  train_cmd->add_option("--seed", t->seed, "Random seed")->capture_default_str();
  train_cmd->add_option("--auxk", t->auxk, "AuxK latents per row (-1: d/2)")->capture_default_str();
  train_cmd
      ->add_option("--dead-after", t->dead_after, "Rows without firing before a latent is dead")
      ->capture_default_str();
  train_cmd
      ->add_option("--shuffle-buffer", t->buffer, "Rows in the shuffle buffer (0: no shuffling)")
      ->capture_default_str();
  train_cmd->add_option("--matryoshka", t->matryoshka, "Matryoshka prefix sizes, e.g. 64,256,1024");
  train_cmd->add_option("--out", t->out, "Model directory")->required();
  train_cmd->callback([t] {
    if (is_npy(t->data)) {
      NpyFileSource<float> source(t->data, {.check_finite = true});
      train(*t, source);
    } else {
      const RowMatrix<float> x = load_matrix_f32(t->data);
      MatrixSource<float> source(x);
      train(*t, source);
    }
  });

  auto e = std::make_shared<SaeModelArgs>();
  auto* encode_cmd = sae->add_subcommand("encode", "Latent codes of data (n × d_sae .npy)");
  encode_cmd->add_option("--model", e->model, "Model directory (SAELens or sparsify layout)")
      ->required();
  encode_cmd->add_option("--data", e->data, "Inputs, n × d")->required();
  encode_cmd->add_option("--out", e->out, "Output .npy (float32, n × d_sae)")->required();
  encode_cmd->add_option("--batch", e->batch, "Rows per batch")->capture_default_str();
  encode_cmd->callback([e] {
    const RowMatrix<float> x = load_matrix_f32(e->data);
    const SaeWeights<float> w = load_model(e->model, x.cols(), e->data);
    Stopwatch clock;
    RowMatrix<float> z(x.rows(), w.d_sae());
    const Index step = std::max<Index>(1, e->batch);
    for (Index r = 0; r < x.rows(); r += step) {
      const Index n = std::min(step, x.rows() - r);
      z.middleRows(r, n) = sae_encode(w, x.middleRows(r, n));
    }
    const double seconds = clock.seconds();
    io::write_npy(e->out, z);
    const double l0 = x.rows() > 0 ? static_cast<double>((z.array() != 0.0f).count()) /
                                         static_cast<double>(x.rows())
                                   : 0.0;
    print_json({{"rows", x.rows()}, {"d_sae", w.d_sae()}, {"l0", l0}, {"out", e->out}}, seconds);
  });

  auto v = std::make_shared<SaeModelArgs>();
  auto* eval_cmd = sae->add_subcommand("eval", "Reconstruction and sparsity metrics of a model");
  eval_cmd->add_option("--model", v->model, "Model directory (SAELens or sparsify layout)")
      ->required();
  eval_cmd->add_option("--data", v->data, "Inputs, n × d")->required();
  eval_cmd->add_option("--batch", v->batch, "Rows per batch")->capture_default_str();
  eval_cmd->callback([v] {
    const RowMatrix<float> x = load_matrix_f32(v->data);
    const SaeWeights<float> w = load_model(v->model, x.cols(), v->data);
    Stopwatch clock;
    MatrixSource<float> source(x);
    const SaeMetrics m = evaluate_sae(w, source, std::max<Index>(1, v->batch));
    print_json(metrics_json(m), clock.seconds());
  });
}

[[maybe_unused]] const bool registered = register_command("sae", &setup_sae);

}  // namespace
}  // namespace hilm::cli
