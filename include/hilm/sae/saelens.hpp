/// @file
/// Saving and loading sparse autoencoders in the layouts the Python tools use:
///
/// - **SAELens**: a directory with `cfg.json` and `sae_weights.safetensors` holding `W_enc`
///   (d_in × d_sae), `b_enc` (d_sae), `W_dec` (d_sae × d_in), `b_dec` (d_in) and, for JumpReLU,
///   `threshold` (d_sae). cfg fields written: `architecture` ("standard", "topk", "jumprelu"),
///   `d_in`, `d_sae`, `k` (TopK), `dtype`, `normalize_activations` ("none": the input scale is
///   folded into the weights), `apply_b_dec_to_input`, `device`.
/// - **sparsify** (EleutherAI, read only): `cfg.json` + `sae.safetensors` with `encoder.weight`
///   (d_sae × d_in), `encoder.bias`, `W_dec`, `b_dec`; a TopK model with `k` from the cfg.
///
/// A BatchTopK model is saved as JumpReLU with its learned global threshold in every entry of
/// `threshold` (Bussmann et al. 2024). Saving is deterministic: save → load → save writes the
/// same bytes.
#ifndef HILM_SAE_SAELENS_HPP
#define HILM_SAE_SAELENS_HPP

#include <concepts>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include <hilm/core/error.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/dtype.hpp>
#include <hilm/io/safetensors.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/weights.hpp>

#include <nlohmann/json.hpp>

namespace hilm {

namespace detail {

inline nlohmann::json read_sae_cfg(const std::string& path) {
  std::ifstream in(path);
  if (!in) raise<io_error>(path, "cannot open the model configuration");
  std::stringstream text;
  text << in.rdbuf();
  try {
    nlohmann::json cfg = nlohmann::json::parse(text.str());
    if (!cfg.is_object()) raise<io_error>(path, "the configuration is not a JSON object");
    return cfg;
  } catch (const nlohmann::json::exception& e) {
    raise<io_error>(path, std::string("the configuration is not valid JSON: ") + e.what());
  }
}

template <class T>
T cfg_value(const nlohmann::json& cfg, const char* key, const std::string& path, T fallback,
            bool required = false) {
  const auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) {
    if (required) raise<io_error>(path, std::string("missing field \"") + key + "\"");
    return fallback;
  }
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    raise<io_error>(path, std::string("field \"") + key + "\" has the wrong type");
  }
}

template <class Scalar>
void check_loaded(const SaeWeights<Scalar>& w, const std::string& path) {
  try {
    w.check();
  } catch (const invalid_argument& e) {
    raise<io_error>(path, e.what());
  }
}

}  // namespace detail

/// Writes `weights` in the SAELens layout into directory `dir` (created if missing; existing
/// files are replaced atomically). The input scale is folded into the saved weights.
///
/// @param[in] weights the model (any architecture; BatchTopK is saved as JumpReLU).
/// @param[in] dir     output directory.
/// @throws invalid_argument if the weights are inconsistent; io_error if a file cannot be written.
template <class Scalar>
void save_saelens(const SaeWeights<Scalar>& weights, const std::string& dir) {
  weights.check();
  SaeWeights<Scalar> w = weights;
  w.fold_input_scale();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) detail::raise<io_error>(dir, "cannot create the model directory: " + ec.message());
  const bool thresholded =
      w.architecture == SaeArchitecture::JumpReLU || w.architecture == SaeArchitecture::BatchTopK;
  const char* arch = thresholded                               ? "jumprelu"
                     : w.architecture == SaeArchitecture::TopK ? "topk"
                                                               : "standard";
  io::SafetensorsWriter writer;
  const RowMatrix<Scalar> w_enc_t = w.w_enc.transpose();
  writer.add("W_enc", w_enc_t);
  writer.add_vector("b_enc", w.b_enc);
  writer.add("W_dec", w.w_dec);
  writer.add_vector("b_dec", w.b_dec);
  if (thresholded) writer.add_vector("threshold", w.threshold);
  writer.write((std::filesystem::path(dir) / "sae_weights.safetensors").string());

  nlohmann::ordered_json cfg = nlohmann::ordered_json::object();
  cfg["architecture"] = arch;
  cfg["d_in"] = w.d_in();
  cfg["d_sae"] = w.d_sae();
  if (w.architecture == SaeArchitecture::TopK) cfg["k"] = w.k;
  cfg["dtype"] = std::string(io::dtype_name(io::dtype_of<Scalar>()));
  cfg["device"] = "cpu";
  cfg["apply_b_dec_to_input"] = w.apply_b_dec_to_input;
  cfg["normalize_activations"] = "none";
  const std::string text = cfg.dump(2) + "\n";
  io::write_file_atomically((std::filesystem::path(dir) / "cfg.json").string(),
                            [&](std::ostream& out) { out << text; });
}

/// Reads a SAELens-layout directory (`cfg.json` + `sae_weights.safetensors`).
///
/// Architectures: "standard" (ReLU), "topk" (k from `k` or `activation_fn_kwargs.k`),
/// "jumprelu". Tensors may be stored in any float type; they are converted to `Scalar`.
/// @returns the weights with `input_scale = 1`.
/// @throws io_error naming the file and the problem (missing or malformed file or field, shape
///         mismatch, unsupported architecture, or `normalize_activations` other than "none").
template <std::floating_point Scalar = float>
[[nodiscard]] SaeWeights<Scalar> load_saelens(const std::string& dir) {
  const std::string cfg_path = (std::filesystem::path(dir) / "cfg.json").string();
  const std::string weights_path =
      (std::filesystem::path(dir) / "sae_weights.safetensors").string();
  const nlohmann::json cfg = detail::read_sae_cfg(cfg_path);
  const auto arch_name = detail::cfg_value<std::string>(cfg, "architecture", cfg_path, "standard");
  const auto arch = parse_sae_architecture(arch_name);
  if (!arch || *arch == SaeArchitecture::BatchTopK) {
    detail::raise<io_error>(cfg_path, "unsupported architecture \"" + arch_name +
                                          "\" (expected standard, topk or jumprelu)");
  }
  const auto normalize =
      detail::cfg_value<std::string>(cfg, "normalize_activations", cfg_path, "none");
  if (normalize != "none") {
    detail::raise<io_error>(cfg_path, "normalize_activations \"" + normalize +
                                          "\" is not supported; fold the scaling into the "
                                          "weights and save with \"none\"");
  }
  const io::SafetensorsFile file = io::SafetensorsFile::open(weights_path);
  SaeWeights<Scalar> w;
  w.architecture = *arch;
  w.w_enc = file.matrix<Scalar>("W_enc").transpose();
  w.b_enc = file.vector<Scalar>("b_enc");
  w.w_dec = file.matrix<Scalar>("W_dec");
  w.b_dec = file.vector<Scalar>("b_dec");
  if (*arch == SaeArchitecture::JumpReLU) w.threshold = file.vector<Scalar>("threshold");
  if (*arch == SaeArchitecture::TopK) {
    Index k = detail::cfg_value<Index>(cfg, "k", cfg_path, 0);
    if (k == 0 && cfg.contains("activation_fn_kwargs") && cfg["activation_fn_kwargs"].is_object()) {
      k = detail::cfg_value<Index>(cfg["activation_fn_kwargs"], "k", cfg_path, 0);
    }
    if (k <= 0) detail::raise<io_error>(cfg_path, "a topk model needs a positive \"k\"");
    w.k = k;
  }
  w.apply_b_dec_to_input = detail::cfg_value<bool>(cfg, "apply_b_dec_to_input", cfg_path, true);
  const auto d_in = detail::cfg_value<Index>(cfg, "d_in", cfg_path, w.w_dec.cols());
  const auto d_sae = detail::cfg_value<Index>(cfg, "d_sae", cfg_path, w.w_dec.rows());
  if (d_in != w.w_dec.cols() || d_sae != w.w_dec.rows()) {
    detail::raise<io_error>(weights_path,
                            "W_dec is " + std::to_string(w.w_dec.rows()) + " × " +
                                std::to_string(w.w_dec.cols()) + " but cfg.json says d_sae = " +
                                std::to_string(d_sae) + ", d_in = " + std::to_string(d_in));
  }
  detail::check_loaded(w, weights_path);
  return w;
}

/// Reads a sparsify-layout directory (`cfg.json` + `sae.safetensors`): a TopK model.
/// @throws io_error naming the file and the problem (missing file, tensor or `k`; skip
///         connections and transcoders are not supported).
template <std::floating_point Scalar = float>
[[nodiscard]] SaeWeights<Scalar> load_sparsify(const std::string& dir) {
  const std::string cfg_path = (std::filesystem::path(dir) / "cfg.json").string();
  const std::string weights_path = (std::filesystem::path(dir) / "sae.safetensors").string();
  const nlohmann::json cfg = detail::read_sae_cfg(cfg_path);
  if (detail::cfg_value<bool>(cfg, "skip_connection", cfg_path, false) ||
      detail::cfg_value<bool>(cfg, "transcode", cfg_path, false)) {
    detail::raise<io_error>(cfg_path, "skip connections and transcoders are not supported");
  }
  const io::SafetensorsFile file = io::SafetensorsFile::open(weights_path);
  SaeWeights<Scalar> w;
  w.architecture = SaeArchitecture::TopK;
  w.k = detail::cfg_value<Index>(cfg, "k", cfg_path, 0, true);
  w.w_enc = file.matrix<Scalar>("encoder.weight");
  w.b_enc = file.vector<Scalar>("encoder.bias");
  w.w_dec = file.matrix<Scalar>("W_dec");
  w.b_dec = file.vector<Scalar>("b_dec");
  w.apply_b_dec_to_input = true;
  detail::check_loaded(w, weights_path);
  return w;
}

/// Loads a model directory in either layout: SAELens when `sae_weights.safetensors` exists,
/// sparsify when `sae.safetensors` exists.
/// @throws io_error if neither file exists, or as the layout's loader.
template <std::floating_point Scalar = float>
[[nodiscard]] SaeWeights<Scalar> load_sae(const std::string& dir) {
  namespace fs = std::filesystem;
  if (fs::exists(fs::path(dir) / "sae_weights.safetensors")) return load_saelens<Scalar>(dir);
  if (fs::exists(fs::path(dir) / "sae.safetensors")) return load_sparsify<Scalar>(dir);
  detail::raise<io_error>(dir,
                          "not a model directory (no sae_weights.safetensors or "
                          "sae.safetensors)");
}

}  // namespace hilm

#endif  // HILM_SAE_SAELENS_HPP
