// `hilm sae train | encode | eval` (DESIGN.md §3): trains a sparse autoencoder on activations
// and saves it in the SAELens layout (resumable from checkpoints); encodes data with a saved model
// (SAELens or sparsify layout); evaluates a saved model on data. docs/sae.md describes the
// options.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <hilm/core/sparse_types.hpp>
#include <hilm/io/delimited.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/io/sparse_codes.hpp>
#include <hilm/sae/evaluation.hpp>
#include <hilm/sae/saelens.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/sources/npy_file_source.hpp>
#include <hilm/synth/synth_sae_bench.hpp>
#include <hilm/synth/synth_sae_bench_io.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* checkpoint_file = "checkpoint.hilm";
constexpr const char* checkpoint_args_file = "checkpoint.json";

struct SaeTrainArgs {
  DataInput data;
  std::string out, arch = "topk";
  Index latents = 0, k = 32, epochs = 1, steps = 0, batch = 1024;
  double l1 = 0, lr = 0;
  bool l1_set = false;  // --l1 given (else: the architecture's default coefficient)
  std::uint64_t seed = 0;
  Index auxk = -1, dead_after = 10'000'000, buffer = 65536;
  std::string matryoshka;
  Index checkpoint_every = 0;
  std::string resume;
  // The options as given on the command line, to merge with a checkpoint's (see `resume`).
  std::map<std::string, CLI::Option*> given;
};

struct SaeModelArgs {
  std::string model, out;
  DataInput data;
  Index batch = 4096;
};

bool is_npy(const std::string& path) {
  return fs::path(path).extension() == ".npy" || fs::path(path).extension() == ".NPY";
}

SaeWeights<float> load_model(const std::string& dir, Index d, const std::string& data) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw bad_input(
        dir, fs::exists(dir, ec) ? "not a model directory (a file)" : "no such model directory");
  }
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

struct SaeEvalArgs {
  std::string model, truth;
  DataInput data;
  Index batch = 4096, samples = 100000;
  CLI::Option* samples_option = nullptr;
};

/// The SAEBench "core" sections (sae_bench/evals/core/eval_output.py) of `c`, plus the
/// evaluate_sae fields at the top level (DESIGN.md §3).
nlohmann::json core_json(const SaeCoreMetrics& c) {
  nlohmann::json j = metrics_json(c.basic);
  j["eval_type_id"] = "core";
  j["eval_result_metrics"] = {
      {"reconstruction_quality",
       {{"explained_variance", c.basic.explained_variance},
        {"mse", c.basic.mse},
        {"cossim", c.cossim}}},
      {"shrinkage",
       {{"l2_norm_in", c.l2_norm_in},
        {"l2_norm_out", c.l2_norm_out},
        {"l2_ratio", c.l2_ratio},
        {"relative_reconstruction_bias", c.relative_reconstruction_bias}}},
      {"sparsity", {{"l0", c.l0}, {"l1", c.l1}}},
      {"token_stats",
       {{"total_tokens_eval_reconstruction", c.basic.rows},
        {"total_tokens_eval_sparsity_variance", c.basic.rows}}},
      {"misc_metrics",
       {{"freq_over_1_percent", c.freq_over_1_percent},
        {"freq_over_10_percent", c.freq_over_10_percent},
        {"normalized_freq_over_1_percent", c.normalized_freq_over_1_percent},
        {"normalized_freq_over_10_percent", c.normalized_freq_over_10_percent},
        {"average_max_encoder_cosine_sim", c.average_max_encoder_cosine_sim},
        {"average_max_decoder_cosine_sim", c.average_max_decoder_cosine_sim},
        {"frac_alive", c.frac_alive}}}};
  j["density_histogram"] = {{"log10_edges", c.density_histogram.log10_edges},
                            {"counts", c.density_histogram.counts},
                            {"dead", c.density_histogram.dead}};
  j["notes"] =
      "SAEBench core schema without model_behavior_preservation and "
      "model_performance_preservation (KL and CE loss need the language model); mse is per "
      "element; rows are tokens";
  return j;
}

nlohmann::json truth_json(const SaeTruthMetrics& t, const std::string& dir) {
  return {{"dir", dir},
          {"rows", t.rows},
          {"latents", t.latents},
          {"features", t.features},
          {"mcc", t.mcc},
          {"matched_pairs", t.matched_pairs},
          {"uniqueness", t.uniqueness},
          {"precision", t.precision},
          {"recall", t.recall},
          {"f1", t.f1},
          {"accuracy", t.accuracy},
          {"explained_variance", t.explained_variance},
          {"l0", t.l0},
          {"true_l0", t.true_l0},
          {"dead_latents", t.dead_latents},
          {"dead_fraction", t.dead_fraction},
          {"shrinkage", t.shrinkage},
          {"absorption", t.absorption},
          {"absorption_pairs", t.absorption_pairs},
          {"hierarchy_consistency", t.hierarchy_consistency},
          {"hierarchy_pairs", t.hierarchy_pairs}};
}

/// Loads a `hilm synth synth-sae-bench` output directory; every problem is exit 3 naming the file.
/// `samples` receives truth.json's `samples` (rows of x.npy; 0 = none written).
hilm::SynthSaeBenchModel load_truth(const std::string& dir, Index& samples) {
  hilm::SynthSaeBenchModel model;
  try {
    model = hilm::load_synth_sae_bench(dir);
    const std::string path = (fs::path(dir) / "truth.json").string();
    const nlohmann::json j = nlohmann::json::parse(hilm::detail::read_text_file(path));
    samples =
        j.contains("samples") && j["samples"].is_number_integer() ? j["samples"].get<Index>() : 0;
  } catch (const hilm::io_error& e) {
    throw bad_input("", std::string(e.what()) +
                            " (--truth expects a hilm synth synth-sae-bench "
                            "output directory)");
  }
  return model;
}

void run_eval(const SaeEvalArgs& v) {
  if (v.truth.empty()) {
    if (v.data.path.empty()) throw usage_error("sae eval: --data is required (or give --truth)");
    if (v.samples_option->count() > 0) throw usage_error("sae eval: --samples needs --truth");
    const RowMatrix<float> x = load_matrix_f32(v.data);
    require_rows(x, v.data.path, 1, "evaluation");
    const SaeWeights<float> w = load_model(v.model, x.cols(), v.data.path);
    Stopwatch clock;
    MatrixSource<float> source(x);
    const SaeCoreMetrics core = evaluate_sae_core(w, source, v.batch);
    print_json(core_json(core), clock.seconds());
    return;
  }
  if (!v.data.path.empty() && v.samples_option->count() > 0) {
    throw usage_error("sae eval: give --data (rows of the truth's x.npy) or --samples, not both");
  }
  Index recorded = 0;
  const hilm::SynthSaeBenchModel truth = load_truth(v.truth, recorded);
  RowMatrix<float> x;
  Index n = v.samples;
  std::string data_name = v.truth;
  if (!v.data.path.empty()) {
    x = load_matrix_f32(v.data);
    require_rows(x, v.data.path, 1, "evaluation");
    data_name = v.data.path;
    if (x.cols() != truth.hidden()) {
      throw bad_input(v.data.path, "the data have d = " + std::to_string(x.cols()) +
                                       " columns but the truth's hidden dimension is " +
                                       std::to_string(truth.hidden()) + " (" + v.truth + ")");
    }
    if (recorded > 0 && x.rows() > recorded) {
      throw bad_input(v.data.path, "the data have " + std::to_string(x.rows()) +
                                       " rows but the truth recorded only " +
                                       std::to_string(recorded) + " samples (" + v.truth +
                                       "/truth.json)");
    }
    n = x.rows();
  }
  const SaeWeights<float> w = load_model(v.model, truth.hidden(), data_name);
  Stopwatch clock;
  SaeTruthEvaluator<float> evaluator(w, truth.feature_vectors, truth.parents);
  const double match_seconds = clock.seconds();
  hilm::SynthSaeBenchSampler sampler(truth, {.samples = n});
  RowMatrix<float> batch(std::min(v.batch, n), truth.hidden());
  SparseRowMatrix<float> codes;
  Index row = 0;
  while (const Index r = sampler.read(batch, codes)) {
    if (!x.size()) {
      evaluator.add_batch(batch.topRows(r), codes);
    } else {
      // The data must be the truth's own samples: the true codes are regenerated, not read.
      const auto rows = x.middleRows(row, r);
      for (Index i = 0; i < r; ++i) {
        const float diff = (rows.row(i) - batch.row(i)).cwiseAbs().maxCoeff();
        const float scale = 1.0f + batch.row(i).cwiseAbs().maxCoeff();
        if (!(diff <= 1e-4f * scale)) {
          throw bad_input(v.data.path, "row " + std::to_string(row + i) + " is not row " +
                                           std::to_string(row + i) +
                                           " of the truth's samples (largest "
                                           "difference " +
                                           std::to_string(diff) +
                                           "); with --truth, --data must "
                                           "be the x.npy written with that truth (" +
                                           v.truth + ")");
        }
      }
      evaluator.add_batch(rows, codes);
    }
    row += r;
  }
  nlohmann::json result = core_json(evaluator.core());
  nlohmann::json t = truth_json(evaluator.truth(), v.truth);
  t["source"] = v.data.path.empty() ? "sampler" : "data";
  t["match_seconds"] = match_seconds;
  result["truth"] = t;
  print_json(result, clock.seconds());
}

// ---------------------------------------------------------------------------------------------
// Checkpoints. With --checkpoint-every N the library writes the whole training state to
// OUT/checkpoint.hilm every N steps (atomically), and OUT/checkpoint.json records the flags of the
// run. `--resume DIR` reads both: flags not given again are taken from checkpoint.json, flags
// given again must agree with it (a checkpoint resumes bit for bit only under the same options).

nlohmann::json args_json(const SaeTrainArgs& a) {
  return {{"data", a.data.path},
          {"tensor", a.data.tensor},
          {"arch", a.arch},
          {"latents", a.latents},
          {"k", a.k},
          {"l1", a.l1_set ? nlohmann::json(a.l1) : nlohmann::json()},
          {"epochs", a.epochs},
          {"steps", a.steps},
          {"batch", a.batch},
          {"lr", a.lr},
          {"seed", a.seed},
          {"auxk", a.auxk},
          {"dead_after", a.dead_after},
          {"shuffle_buffer", a.buffer},
          {"matryoshka", a.matryoshka},
          {"checkpoint_every", a.checkpoint_every}};
}

template <class T>
void merge_flag(const nlohmann::json& saved, const char* key, const std::string& flag, T& value,
                const SaeTrainArgs& a, const std::string& file) {
  if (!saved.contains(key)) throw bad_input(file, std::string("missing field \"") + key + "\"");
  T stored{};
  try {
    stored = saved.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw bad_input(file, std::string("field \"") + key + "\" has the wrong type");
  }
  const auto it = a.given.find(flag);
  if (it != a.given.end() && it->second->count() > 0) {
    if (!(value == stored)) {
      throw usage_error(flag + " differs from the checkpoint's value (" + saved.at(key).dump() +
                        " in " + file + "); a run resumes only under the options it started with");
    }
    return;
  }
  value = stored;
}

/// Completes `a` from the checkpoint directory `a.resume`.
void merge_checkpoint_args(SaeTrainArgs& a) {
  const fs::path dir(a.resume);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw bad_input(a.resume, "no such checkpoint directory");
  const std::string args_path = (dir / checkpoint_args_file).string();
  const std::string state_path = (dir / checkpoint_file).string();
  if (!fs::exists(state_path, ec)) {
    throw bad_input(a.resume, std::string("holds no ") + checkpoint_file +
                                  " (train with --checkpoint-every N to write one; a run that "
                                  "completed removes its checkpoint)");
  }
  require_regular_file(args_path);
  nlohmann::json saved;
  try {
    saved = nlohmann::json::parse(hilm::detail::read_text_file(args_path));
  } catch (const nlohmann::json::exception& e) {
    throw bad_input(args_path, std::string("not valid JSON: ") + e.what());
  }
  if (!saved.is_object()) throw bad_input(args_path, "not a JSON object");
  merge_flag(saved, "data", "--data", a.data.path, a, args_path);
  merge_flag(saved, "tensor", "--tensor", a.data.tensor, a, args_path);
  merge_flag(saved, "arch", "--arch", a.arch, a, args_path);
  merge_flag(saved, "latents", "--latents", a.latents, a, args_path);
  merge_flag(saved, "k", "--k", a.k, a, args_path);
  if (!saved.contains("l1")) throw bad_input(args_path, "missing field \"l1\"");
  if (saved["l1"].is_null()) {
    if (a.given.at("--l1")->count() > 0) {
      throw usage_error("--l1 differs from the checkpoint's (the default coefficient, in " +
                        args_path + "); a run resumes only under the options it started with");
    }
  } else {
    merge_flag(saved, "l1", "--l1", a.l1, a, args_path);
    a.l1_set = true;
  }
  merge_flag(saved, "epochs", "--epochs", a.epochs, a, args_path);
  merge_flag(saved, "steps", "--steps", a.steps, a, args_path);
  merge_flag(saved, "batch", "--batch", a.batch, a, args_path);
  merge_flag(saved, "lr", "--lr", a.lr, a, args_path);
  merge_flag(saved, "seed", "--seed", a.seed, a, args_path);
  merge_flag(saved, "auxk", "--auxk", a.auxk, a, args_path);
  merge_flag(saved, "dead_after", "--dead-after", a.dead_after, a, args_path);
  merge_flag(saved, "shuffle_buffer", "--shuffle-buffer", a.buffer, a, args_path);
  merge_flag(saved, "matryoshka", "--matryoshka", a.matryoshka, a, args_path);
  // The checkpoint interval may change on resume; it does not affect the weights.
  if (a.given.at("--checkpoint-every")->count() == 0) {
    merge_flag(saved, "checkpoint_every", "--checkpoint-every", a.checkpoint_every, a, args_path);
  }
  if (a.out.empty()) a.out = a.resume;
}

SaeOptions make_options(const SaeTrainArgs& a) {
  const auto arch = parse_sae_architecture(a.arch);
  if (!arch || a.arch == "standard") {
    throw usage_error("--arch must be topk, batchtopk, relu or jumprelu, got " + a.arch);
  }
  SaeOptions options;
  options.architecture = *arch;
  options.latents = a.latents;
  options.k = a.k;
  if (a.l1_set) {
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
  if (a.checkpoint_every > 0) {
    options.checkpoint_every = a.checkpoint_every;
    options.checkpoint_path = (fs::path(a.out) / checkpoint_file).string();
  }
  if (auto problem = options.validate()) throw usage_error(*problem);
  return options;
}

std::string status_name(FitStatus s) {
  switch (s) {
    case FitStatus::MaxIterations:
      return "completed";  // every scheduled step ran: the normal end of training
    case FitStatus::Cancelled:
      return "cancelled";
    case FitStatus::Converged:
      return "converged";
    default:
      return std::string(to_string(s));
  }
}

template <class Source>
void train(SaeTrainArgs& a, Source& source, std::int64_t rows_per_pass) {
  const SaeOptions options = make_options(a);
  OutputSet outputs;
  if (a.checkpoint_every > 0) {
    outputs.directory(a.out);  // checkpoints live in the model directory
    write_text((fs::path(a.out) / checkpoint_args_file).string(), args_json(a).dump(2) + "\n");
  }
  SparseAutoencoder<float> sae(options);
  if (!a.resume.empty()) {
    try {
      sae.load_checkpoint((fs::path(a.resume) / checkpoint_file).string());
    } catch (const hilm::io_error& e) {
      throw bad_input("", e.what());
    }
  }
  SaeResult result;
  try {
    result = sae.fit(source);
  } catch (const hilm::invalid_argument& e) {
    throw bad_input(a.data.path, e.what());  // e.g. a non-finite value met while streaming
  }
  if (result.status == FitStatus::NumericalIssue) throw numerical_failure(result.message);

  nlohmann::json out = metrics_json(result.metrics);
  out["architecture"] = a.arch;
  out["d_in"] = sae.weights().d_in();
  out["d_sae"] = sae.weights().d_sae();
  if (options.topk_family()) out["k"] = options.k;
  out["status"] = status_name(result.status);
  out["steps"] = result.steps;
  out["rows_seen"] = result.rows;
  if (rows_per_pass <= 0) rows_per_pass = result.rows_per_pass;
  out["rows_per_pass"] = rows_per_pass;
  out["epochs"] = rows_per_pass > 0 ? result.rows / rows_per_pass : result.epochs;
  out["passes"] = rows_per_pass > 0
                      ? static_cast<double>(result.rows) / static_cast<double>(rows_per_pass)
                      : static_cast<double>(result.epochs);
  out["rows_per_second"] =
      result.train_seconds > 0 ? static_cast<double>(result.rows) / result.train_seconds : 0.0;
  out["model"] = a.out;
  out["resumed"] = !a.resume.empty();
  const SaeWeights<float> weights = sae.weights();
  const std::string dir = a.out;
  const bool had_checkpoints = a.checkpoint_every > 0;
  outputs.on_commit([weights, dir, had_checkpoints] {
    try {
      save_saelens(weights, dir);
    } catch (const hilm::io_error& e) {
      throw bad_input("", e.what());
    }
    if (had_checkpoints) {  // training completed: the recovery state is no longer needed
      std::error_code ignored;
      fs::remove(fs::path(dir) / checkpoint_file, ignored);
      fs::remove(fs::path(dir) / checkpoint_args_file, ignored);
    }
  });
  finish(outputs, std::move(out), result.elapsed_seconds);
}

void run_train(SaeTrainArgs& a) {
  a.l1_set = a.given.at("--l1")->count() > 0;
  if (!a.resume.empty()) merge_checkpoint_args(a);
  if (a.data.path.empty()) throw usage_error("sae train: --data is required (or --resume DIR)");
  if (a.out.empty()) throw usage_error("sae train: --out is required (or --resume DIR)");
  if (a.latents < 1) throw usage_error("sae train: --latents is required (or --resume DIR)");
  const std::string& path = a.data.path;
  if (is_npy(path)) {
    require_regular_file(path);
    if (!a.data.tensor.empty()) {
      throw usage_error("--tensor applies to .safetensors data only (" + path + ")");
    }
    NpyFileSource<float> source(path, {.check_finite = true});
    if (source.size() < 1) throw bad_input(path, "has 0 rows; training needs at least 1");
    train(a, source, static_cast<std::int64_t>(source.size()));
  } else {
    const RowMatrix<float> x = load_matrix_f32(a.data);
    require_rows(x, path, 1, "training");
    MatrixSource<float> source(x);
    train(a, source, static_cast<std::int64_t>(x.rows()));
  }
}

void setup_sae(CLI::App& root) {
  auto* sae = root.add_subcommand("sae", "Sparse autoencoders: train, encode, eval");
  sae->require_subcommand(1);

  auto t = std::make_shared<SaeTrainArgs>();
  auto* train_cmd =
      sae->add_subcommand("train", "Train a sparse autoencoder; save it (SAELens layout)");
  add_data_option(train_cmd, t->data,
                  "Activations, n × d (.npy memory-mapped, .safetensors, or delimited text)",
                  false);
  auto& given = t->given;
  given["--data"] = train_cmd->get_option("--data");
  given["--tensor"] = train_cmd->get_option("--tensor");
  given["--arch"] = train_cmd->add_option("--arch", t->arch, "topk | batchtopk | relu | jumprelu")
                        ->check(CLI::IsMember({"topk", "batchtopk", "relu", "jumprelu"}))
                        ->capture_default_str();
  given["--latents"] =
      train_cmd->add_option("--latents", t->latents, "Number of latents m")->check(integer_from(1));
  given["--k"] = train_cmd->add_option("--k", t->k, "Active latents per row (topk, batchtopk)")
                     ->check(integer_from(1))
                     ->capture_default_str();
  given["--l1"] = train_cmd
                      ->add_option("--l1", t->l1,
                                   "Sparsity coefficient (relu: L1, jumprelu: L0; default: the "
                                   "architecture's, see docs/sae.md)")
                      ->check(nonnegative_real());
  given["--epochs"] =
      train_cmd->add_option("--epochs", t->epochs, "Passes over the data (when --steps is 0)")
          ->check(integer_from(1))
          ->capture_default_str();
  given["--steps"] =
      train_cmd->add_option("--steps", t->steps, "Optimiser steps (0: from --epochs)")
          ->check(integer_from(0))
          ->capture_default_str();
  given["--batch"] = train_cmd->add_option("--batch", t->batch, "Rows per step")
                         ->check(integer_from(1))
                         ->capture_default_str();
  given["--lr"] = train_cmd->add_option("--lr", t->lr, "Adam learning rate (0: 2e-4/sqrt(m/2^14))")
                      ->check(nonnegative_real())
                      ->capture_default_str();
  given["--seed"] = train_cmd->add_option("--seed", t->seed, "Random seed")->capture_default_str();
  given["--auxk"] = train_cmd->add_option("--auxk", t->auxk, "AuxK latents per row (-1: d/2)")
                        ->check(integer_from(-1))
                        ->capture_default_str();
  given["--dead-after"] =
      train_cmd
          ->add_option("--dead-after", t->dead_after, "Rows without firing before a latent is dead")
          ->check(integer_from(1))
          ->capture_default_str();
  given["--shuffle-buffer"] = train_cmd
                                  ->add_option("--shuffle-buffer", t->buffer,
                                               "Rows in the shuffle buffer (0: no shuffling)")
                                  ->check(integer_from(0))
                                  ->capture_default_str();
  given["--matryoshka"] = train_cmd->add_option("--matryoshka", t->matryoshka,
                                                "Matryoshka prefix sizes, e.g. 64,256,1024");
  given["--checkpoint-every"] =
      train_cmd
          ->add_option("--checkpoint-every", t->checkpoint_every,
                       "Write the training state to OUT/checkpoint.hilm every N steps (0: never); "
                       "removed when training completes")
          ->check(integer_from(0))
          ->capture_default_str();
  train_cmd->add_option("--resume", t->resume,
                        "Continue from DIR/checkpoint.hilm; flags not given are read from "
                        "DIR/checkpoint.json, flags given must agree; --out defaults to DIR");
  train_cmd->add_option("--out", t->out, "Model directory (written as one unit)");
  train_cmd->callback([t] { run_train(*t); });

  auto e = std::make_shared<SaeModelArgs>();
  auto* encode_cmd = sae->add_subcommand(
      "encode", "Latent codes of data (n × d_sae .npy, or sparse TopK .safetensors)");
  encode_cmd->add_option("--model", e->model, "Model directory (SAELens or sparsify layout)")
      ->required();
  add_data_option(encode_cmd, e->data, "Inputs, n × d (.npy, .safetensors or delimited text)");
  encode_cmd
      ->add_option("--out", e->out,
                   "Output: .npy (float32, n × d_sae, dense) or .safetensors (sparse: indices and "
                   "values, n × k, metadata width; never densified)")
      ->required();
  encode_cmd->add_option("--batch", e->batch, "Rows per batch")
      ->check(integer_from(1))
      ->capture_default_str();
  encode_cmd->callback([e] {
    const RowMatrix<float> x = load_matrix_f32(e->data);
    const SaeWeights<float> w = load_model(e->model, x.cols(), e->data.path);
    OutputSet outputs;
    const std::string out_path = outputs.file(e->out);
    const bool sparse_out =
        e->out.size() >= 12 && e->out.compare(e->out.size() - 12, 12, ".safetensors") == 0;
    Stopwatch clock;
    double active = 0;
    if (sparse_out) {
      // Batch by batch into triplets: the n × d_sae codes are never held dense.
      std::vector<Eigen::Triplet<float, Index>> entries;
      for (Index r = 0; r < x.rows(); r += e->batch) {
        const Index n = std::min(e->batch, x.rows() - r);
        const RowMatrix<float> zb = sae_encode(w, x.middleRows(r, n));
        for (Index i = 0; i < n; ++i) {
          for (Index j = 0; j < zb.cols(); ++j) {
            if (zb(i, j) == 0.0F) continue;
            if (!std::isfinite(zb(i, j))) {
              throw numerical_failure(e->out + ": the codes hold a non-finite value at row " +
                                      std::to_string(r + i) + "; nothing was written");
            }
            entries.emplace_back(r + i, j, zb(i, j));
          }
        }
      }
      SparseRowMatrix<float> z(x.rows(), w.d_sae());
      z.setFromTriplets(entries.begin(), entries.end());
      active = static_cast<double>(z.nonZeros());
      try {
        hilm::write_sparse_codes(out_path, z);
      } catch (const hilm::io_error& err) {
        throw bad_input("", err.what());
      }
    } else {
      RowMatrix<float> z(x.rows(), w.d_sae());
      for (Index r = 0; r < x.rows(); r += e->batch) {
        const Index n = std::min(e->batch, x.rows() - r);
        z.middleRows(r, n) = sae_encode(w, x.middleRows(r, n));
      }
      write_result_npy(out_path, e->out, z);
      active = static_cast<double>((z.array() != 0.0f).count());
    }
    const double seconds = clock.seconds();
    const double l0 = x.rows() > 0 ? active / static_cast<double>(x.rows()) : 0.0;
    finish(outputs,
           {{"rows", x.rows()},
            {"d_sae", w.d_sae()},
            {"l0", l0},
            {"format", sparse_out ? "sparse" : "dense"},
            {"out", e->out}},
           seconds);
  });

  auto v = std::make_shared<SaeEvalArgs>();
  auto* eval_cmd = sae->add_subcommand(
      "eval",
      "Reconstruction, sparsity and SAEBench core metrics of a model; with --truth, "
      "ground-truth scores (MCC, uniqueness, F1, absorption, ...)");
  eval_cmd->add_option("--model", v->model, "Model directory (SAELens or sparsify layout)")
      ->required();
  add_data_option(eval_cmd, v->data,
                  "Inputs, n × d (.npy, .safetensors or delimited text); with --truth: rows "
                  "0..n-1 of the truth's samples (its x.npy)",
                  false);
  eval_cmd->add_option("--truth", v->truth,
                       "Ground truth: a `hilm synth synth-sae-bench` output directory");
  v->samples_option =
      eval_cmd
          ->add_option("--samples", v->samples,
                       "With --truth and no --data: rows streamed from the truth's sampler")
          ->check(integer_from(1))
          ->capture_default_str();
  eval_cmd->add_option("--batch", v->batch, "Rows per batch")
      ->check(integer_from(1))
      ->capture_default_str();
  eval_cmd->callback([v] { run_eval(*v); });
}

[[maybe_unused]] const bool registered_sae = register_command("sae", &setup_sae);

}  // namespace
}  // namespace hilm::cli
