/// @file
/// Saving and loading the ground truth of a SynthSAEBench model (`hilm/synth/synth_sae_bench.hpp`)
/// as the directory `hilm synth synth-sae-bench --out DIR` writes: one `.npy` file per array and
/// `truth.json` with the options (docs/synth.md lists the files). Building the default truth takes
/// about 25 minutes (100 orthogonalisation steps), so evaluations load it instead of rebuilding
/// it; a loaded model gives the very same sampler rows as the model that was saved.
///
/// Needs nlohmann_json (`truth.json`), like the other optional integrations.
///
/// ```cpp
/// const auto model = hilm::make_synth_sae_bench({.features = 4096, .hidden = 256});
/// hilm::save_synth_sae_bench(model, "truth_dir");
/// const auto loaded = hilm::load_synth_sae_bench("truth_dir");   // same arrays, same samples
/// ```
#ifndef HILM_SYNTH_SYNTH_SAE_BENCH_IO_HPP
#define HILM_SYNTH_SYNTH_SAE_BENCH_IO_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/synth/synth_sae_bench.hpp>
#include <hilm/synth/synth_sae_bench_types.hpp>

#include <nlohmann/json.hpp>

namespace hilm {

/// The options as the `options` object of `truth.json`: every `SynthSaeBenchOptions` field under
/// its own name.
[[nodiscard]] inline nlohmann::json synth_sae_bench_options_json(const SynthSaeBenchOptions& o) {
  return {{"features", o.features},
          {"hidden", o.hidden},
          {"zipf_exponent", o.zipf_exponent},
          {"p_max", o.p_max},
          {"p_min", o.p_min},
          {"hierarchy_roots", o.hierarchy_roots},
          {"branching", o.branching},
          {"hierarchy_depth", o.hierarchy_depth},
          {"mutually_exclusive", o.mutually_exclusive},
          {"compensate_probabilities", o.compensate_probabilities},
          {"scale_children_by_parent", o.scale_children_by_parent},
          {"correlation_rank", o.correlation_rank},
          {"correlation_scale", o.correlation_scale},
          {"orthogonalize_steps", o.orthogonalize_steps},
          {"orthogonalize_lr", o.orthogonalize_lr},
          {"magnitude_mean_start", o.magnitude_mean_start},
          {"magnitude_mean_end", o.magnitude_mean_end},
          {"magnitude_std_mean", o.magnitude_std_mean},
          {"magnitude_std_std", o.magnitude_std_std},
          {"bias_norm", o.bias_norm},
          {"seed", o.seed}};
}

/// Reads the `options` object written by `synth_sae_bench_options_json`. A missing field keeps
/// its default.
/// @param[in] j the `options` object.
/// @param[in] path file named in error messages.
/// @throws io_error naming `path` and the field when a field has the wrong JSON type, or when
///   the options do not validate.
[[nodiscard]] inline SynthSaeBenchOptions synth_sae_bench_options_from_json(
    const nlohmann::json& j, const std::string& path = "truth.json") {
  if (!j.is_object()) throw io_error(path, "`options` is not a JSON object");
  SynthSaeBenchOptions o;
  const auto get = [&](const char* name, auto& field) {
    if (!j.contains(name)) return;
    const nlohmann::json& v = j.at(name);
    using Field = std::remove_reference_t<decltype(field)>;
    const bool ok = std::is_same_v<Field, bool> ? v.is_boolean()
                    : std::is_integral_v<Field> ? v.is_number_integer()
                                                : v.is_number();
    if (!ok) {
      throw io_error(path, std::string("options.") + name + " has the wrong type (" +
                               std::string(v.type_name()) + ")");
    }
    field = v.get<Field>();
  };
  get("features", o.features);
  get("hidden", o.hidden);
  get("zipf_exponent", o.zipf_exponent);
  get("p_max", o.p_max);
  get("p_min", o.p_min);
  get("hierarchy_roots", o.hierarchy_roots);
  get("branching", o.branching);
  get("hierarchy_depth", o.hierarchy_depth);
  get("mutually_exclusive", o.mutually_exclusive);
  get("compensate_probabilities", o.compensate_probabilities);
  get("scale_children_by_parent", o.scale_children_by_parent);
  get("correlation_rank", o.correlation_rank);
  get("correlation_scale", o.correlation_scale);
  get("orthogonalize_steps", o.orthogonalize_steps);
  get("orthogonalize_lr", o.orthogonalize_lr);
  get("magnitude_mean_start", o.magnitude_mean_start);
  get("magnitude_mean_end", o.magnitude_mean_end);
  get("magnitude_std_mean", o.magnitude_std_mean);
  get("magnitude_std_std", o.magnitude_std_std);
  get("bias_norm", o.bias_norm);
  get("seed", o.seed);
  if (auto problem = o.validate()) throw io_error(path, "invalid options: " + *problem);
  return o;
}

/// Writes the truth arrays of `model` (everything but `truth.json` and samples):
/// `feature_vectors.npy` m × d and `bias.npy` (d) as float32; `firing_probabilities.npy`,
/// `sampling_probabilities.npy`, `firing_rates.npy` (from `synth_sae_bench_firing_rates`),
/// `mean_magnitudes.npy`, `magnitude_stds.npy`, `correlation_diag.npy` (m) and
/// `correlation_factor.npy` (m × r) as float64; `parents.npy` (m) as int64, −1 = none.
/// Every file is written atomically.
/// @param[in] model the truth.
/// @param[in] path_of maps a file name to the path to write it to (e.g. `dir + "/" + name`, or a
///   staging path of the caller's).
/// @returns the file names written, in order.
/// @throws io_error naming the file when it cannot be written.
inline std::vector<std::string> save_synth_sae_bench_arrays(
    const SynthSaeBenchModel& model,
    const std::function<std::string(const std::string&)>& path_of) {
  std::vector<std::string> files;
  write_npy(path_of("feature_vectors.npy"), model.feature_vectors);
  files.emplace_back("feature_vectors.npy");
  write_npy_vector(path_of("bias.npy"), model.bias);
  files.emplace_back("bias.npy");
  const auto vector_file = [&](const std::string& name, const Vector<double>& v) {
    write_npy_vector(path_of(name), v);
    files.push_back(name);
  };
  vector_file("firing_probabilities.npy", model.firing_probabilities);
  vector_file("sampling_probabilities.npy", model.sampling_probabilities);
  vector_file("firing_rates.npy", synth_sae_bench_firing_rates(model));
  vector_file("mean_magnitudes.npy", model.mean_magnitudes);
  vector_file("magnitude_stds.npy", model.magnitude_stds);
  vector_file("correlation_diag.npy", model.correlation_diag);
  write_npy(path_of("correlation_factor.npy"), model.correlation_factor);
  files.emplace_back("correlation_factor.npy");
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1> parents(model.features());
  for (Index i = 0; i < model.features(); ++i) {
    parents(i) = static_cast<std::int64_t>(model.parents[static_cast<std::size_t>(i)]);
  }
  write_npy_vector(path_of("parents.npy"), parents);
  files.emplace_back("parents.npy");
  return files;
}

/// The content of `truth.json` for `model`: `kind` ("synth-sae-bench"), `seed`, `dtype`,
/// `files`, `samples` (rows of `x.npy`, 0 = none), `expected_l0`, `expected_l0_top4096`,
/// `reference` and `options` (docs/synth.md, "truth.json fields").
[[nodiscard]] inline nlohmann::json synth_sae_bench_truth_json(
    const SynthSaeBenchModel& model, const std::vector<std::string>& files, Index samples) {
  const Vector<double> rates = synth_sae_bench_firing_rates(model);
  nlohmann::json truth{{"kind", "synth-sae-bench"},
                       {"seed", model.options.seed},
                       {"dtype", "float32"},
                       {"files", files},
                       {"samples", samples}};
  truth["expected_l0"] = rates.sum();
  truth["expected_l0_top4096"] = rates.head(std::min<Index>(4096, rates.size())).sum();
  truth["reference"] =
      "SynthSAEBench (Chanin & Garriga-Alonso 2026, arXiv 2602.14687; SAELens "
      "sae_lens/synthetic/)";
  truth["options"] = synth_sae_bench_options_json(model.options);
  return truth;
}

/// Saves the truth into directory `dir` (created if missing): the arrays of
/// `save_synth_sae_bench_arrays` and `truth.json` (`samples` = 0), the layout of
/// `hilm synth synth-sae-bench --out DIR`.
/// @throws io_error naming the file that cannot be written.
inline void save_synth_sae_bench(const SynthSaeBenchModel& model, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw io_error(dir, "cannot create the directory: " + ec.message());
  const auto path_of = [&](const std::string& name) {
    return (std::filesystem::path(dir) / name).string();
  };
  std::vector<std::string> files = save_synth_sae_bench_arrays(model, path_of);
  files.emplace_back("truth.json");
  const std::string text = synth_sae_bench_truth_json(model, files, 0).dump(2) + "\n";
  write_file_atomically(path_of("truth.json"), [&](std::ostream& out) { out << text; });
}

namespace detail {

/// Reads `dir/name` as an m-entry vector (a 1-d array, or m × 1 / 1 × m).
template <class Scalar>
Vector<Scalar> read_truth_vector(const std::filesystem::path& dir, const char* name, Index m) {
  const std::string path = (dir / name).string();
  const RowMatrix<Scalar> a = read_npy<Scalar>(path);
  if (a.size() != m || (a.rows() != 1 && a.cols() != 1)) {
    throw io_error(path, "expected " + std::to_string(m) + " entries (one per feature), got " +
                             std::to_string(a.rows()) + " x " + std::to_string(a.cols()));
  }
  return Eigen::Map<const Vector<Scalar>>(a.data(), m);
}

template <class Derived>
void require_finite_truth(const Eigen::MatrixBase<Derived>& a, const std::string& path) {
  for (Index i = 0; i < a.rows(); ++i) {
    for (Index j = 0; j < a.cols(); ++j) {
      if (!std::isfinite(static_cast<double>(a(i, j)))) {
        throw io_error(
            path, "non-finite value at row " + std::to_string(i) + ", column " + std::to_string(j));
      }
    }
  }
}

}  // namespace detail

/// Loads a truth saved by `save_synth_sae_bench` or `hilm synth synth-sae-bench`. The sampler
/// of the loaded model gives bit-identical rows to the sampler of the saved one (float32 and
/// float64 arrays are stored exactly).
/// @param[in] dir the directory.
/// @returns the model, with `options` from `truth.json`.
/// @throws io_error naming the file and the problem: a missing or unreadable file, malformed JSON,
///   `kind` other than "synth-sae-bench", invalid options, an array whose shape disagrees with
///   `options.features` / `options.hidden`, a non-finite value, a parent index that is not −1 or
///   a lower feature index, a probability outside [0, 1].
[[nodiscard]] inline SynthSaeBenchModel load_synth_sae_bench(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw io_error(dir, fs::exists(root, ec) ? "not a directory" : "no such truth directory");
  }
  const std::string json_path = (root / "truth.json").string();
  nlohmann::json truth;
  try {
    truth = nlohmann::json::parse(detail::read_text_file(json_path));
  } catch (const nlohmann::json::exception& e) {
    throw io_error(json_path, std::string("malformed JSON: ") + e.what());
  }
  if (!truth.is_object()) throw io_error(json_path, "not a JSON object");
  if (truth.contains("kind") &&
      (!truth["kind"].is_string() || truth["kind"].get<std::string>() != "synth-sae-bench")) {
    throw io_error(json_path,
                   "kind is " + truth["kind"].dump() +
                       ", not \"synth-sae-bench\" (a hilm synth synth-sae-bench output)");
  }
  if (!truth.contains("options")) throw io_error(json_path, "no `options` object");
  SynthSaeBenchModel model;
  model.options = synth_sae_bench_options_from_json(truth["options"], json_path);
  const Index m = model.options.features, d = model.options.hidden;

  const std::string fv_path = (root / "feature_vectors.npy").string();
  model.feature_vectors = read_npy<float>(fv_path);
  if (model.feature_vectors.rows() != m || model.feature_vectors.cols() != d) {
    throw io_error(fv_path, "shape " + std::to_string(model.feature_vectors.rows()) + " x " +
                                std::to_string(model.feature_vectors.cols()) +
                                " disagrees with options.features x options.hidden = " +
                                std::to_string(m) + " x " + std::to_string(d));
  }
  detail::require_finite_truth(model.feature_vectors, fv_path);
  const std::string bias_path = (root / "bias.npy").string();
  const RowMatrix<float> bias = read_npy<float>(bias_path);
  if (bias.size() != d || (bias.rows() != 1 && bias.cols() != 1)) {
    throw io_error(bias_path, "expected " + std::to_string(d) + " entries (options.hidden)");
  }
  model.bias = Eigen::Map<const RowVector<float>>(bias.data(), d);
  detail::require_finite_truth(model.bias, bias_path);

  const auto vector = [&](const char* name) {
    Vector<double> v = detail::read_truth_vector<double>(root, name, m);
    detail::require_finite_truth(v, (root / name).string());
    return v;
  };
  model.firing_probabilities = vector("firing_probabilities.npy");
  model.sampling_probabilities = vector("sampling_probabilities.npy");
  model.mean_magnitudes = vector("mean_magnitudes.npy");
  model.magnitude_stds = vector("magnitude_stds.npy");
  model.correlation_diag = vector("correlation_diag.npy");
  for (Index i = 0; i < m; ++i) {
    const double q = model.sampling_probabilities(i);
    if (!(q >= 0 && q <= 1)) {
      throw io_error(
          (root / "sampling_probabilities.npy").string(),
          "entry " + std::to_string(i) + " = " + std::to_string(q) + " is not a probability");
    }
  }
  const std::string cf_path = (root / "correlation_factor.npy").string();
  model.correlation_factor = read_npy<double>(cf_path);
  // A rank-0 factor may be saved as an empty array of any shape.
  if (model.correlation_factor.size() == 0) model.correlation_factor.resize(m, 0);
  if (model.correlation_factor.rows() != m) {
    throw io_error(cf_path, "has " + std::to_string(model.correlation_factor.rows()) +
                                " rows, expected one per feature (" + std::to_string(m) + ")");
  }
  detail::require_finite_truth(model.correlation_factor, cf_path);

  const std::string parents_path = (root / "parents.npy").string();
  const Vector<std::int64_t> parents =
      detail::read_truth_vector<std::int64_t>(root, "parents.npy", m);
  model.parents.resize(static_cast<std::size_t>(m));
  std::vector<char> has_children(static_cast<std::size_t>(m), 0);
  for (Index i = 0; i < m; ++i) {
    const std::int64_t p = parents(i);
    if (p < -1 || p >= i) {
      throw io_error(parents_path, "parent of feature " + std::to_string(i) + " is " +
                                       std::to_string(p) +
                                       "; expected -1 (none) or a lower feature index");
    }
    // The sampler visits the children of a parent as one consecutive run.
    if (p >= 0 && i > 0 && parents(i - 1) != p && has_children[static_cast<std::size_t>(p)]) {
      throw io_error(parents_path, "the children of feature " + std::to_string(p) +
                                       " are not consecutive (feature " + std::to_string(i) + ")");
    }
    if (p >= 0) has_children[static_cast<std::size_t>(p)] = 1;
    model.parents[static_cast<std::size_t>(i)] = static_cast<Index>(p);
  }
  return model;
}

}  // namespace hilm

#endif  // HILM_SYNTH_SYNTH_SAE_BENCH_IO_HPP
