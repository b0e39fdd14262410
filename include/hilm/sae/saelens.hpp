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
///
/// A directory saved by hilm also holds `hilm_manifest.json`, the size and SHA-256 of each model
/// file. The loaders check it when it is there (Python tools ignore it) and refuse a directory
/// whose files come from different saves; they refuse NaN/Inf weights too.
#ifndef HILM_SAE_SAELENS_HPP
#define HILM_SAE_SAELENS_HPP

#include <atomic>
#include <concepts>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/io/dtype.hpp>
#include <hilm/io/safetensors.hpp>
#include <hilm/sae/detail/model_files.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/weights.hpp>

#include <nlohmann/json.hpp>

namespace hilm {

/// Writes `weights` in the SAELens layout into directory `dir`: `cfg.json`,
/// `sae_weights.safetensors` and `hilm_manifest.json` (the size and SHA-256 of the two). The input
/// scale is folded into the saved weights.
///
/// The directory is written as one unit. A new directory is assembled under a temporary name
/// beside it and renamed into place, so it appears complete or not at all. Into an existing
/// directory the manifest is written first and each file is replaced atomically after it: if the
/// process dies part-way, the manifest disagrees with a file and `load_saelens` / `load_sae`
/// refuse the directory instead of loading old and new files together. Other files in `dir` are
/// left alone.
///
/// @param[in] weights the model (any architecture; BatchTopK is saved as JumpReLU).
/// @param[in] dir     output directory (its parent must exist or be creatable).
/// @throws invalid_argument if the weights are inconsistent; io_error if a file cannot be written.
template <class Scalar>
void save_saelens(const SaeWeights<Scalar>& weights, const std::string& dir) {
  namespace fs = std::filesystem;
  weights.check();
  SaeWeights<Scalar> w = weights;
  w.fold_input_scale();
  const bool thresholded =
      w.architecture == SaeArchitecture::JumpReLU || w.architecture == SaeArchitecture::BatchTopK;
  const char* arch = thresholded                               ? "jumprelu"
                     : w.architecture == SaeArchitecture::TopK ? "topk"
                                                               : "standard";
  SafetensorsWriter writer;
  const RowMatrix<Scalar> w_enc_t = w.w_enc.transpose();
  writer.add("W_enc", w_enc_t);
  writer.add_vector("b_enc", w.b_enc);
  writer.add("W_dec", w.w_dec);
  writer.add_vector("b_dec", w.b_dec);
  if (thresholded) writer.add_vector("threshold", w.threshold);
  const std::vector<std::byte> tensors = writer.serialize();

  nlohmann::ordered_json cfg = nlohmann::ordered_json::object();
  cfg["architecture"] = arch;
  cfg["d_in"] = w.d_in();
  cfg["d_sae"] = w.d_sae();
  if (w.architecture == SaeArchitecture::TopK) cfg["k"] = w.k;
  cfg["dtype"] = std::string(dtype_name(dtype_of<Scalar>()));
  cfg["device"] = "cpu";
  cfg["apply_b_dec_to_input"] = w.apply_b_dec_to_input;
  cfg["normalize_activations"] = "none";
  const std::string cfg_text = cfg.dump(2) + "\n";
  const std::string manifest = detail::model_manifest(
      {{"cfg.json", cfg_text}, {"sae_weights.safetensors", detail::as_view(tensors)}});

  auto write_into = [&](const fs::path& target) {
    write_file_atomically((target / detail::model_manifest_name).string(),
                          [&](std::ostream& out) { out << manifest; });
    write_file_atomically((target / "sae_weights.safetensors").string(), [&](std::ostream& out) {
      out.write(reinterpret_cast<const char*>(tensors.data()),
                static_cast<std::streamsize>(tensors.size()));
    });
    write_file_atomically((target / "cfg.json").string(),
                          [&](std::ostream& out) { out << cfg_text; });
  };

  const fs::path target(dir);
  std::error_code ec;
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec)) {
      detail::raise<io_error>(dir, "exists and is not a directory");
    }
    write_into(target);
    return;
  }
  // A new directory: assemble it beside the target, then rename it into place.
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) detail::raise<io_error>(dir, "cannot create the parent directory: " + ec.message());
  static std::atomic<unsigned> counter{0};
  const fs::path staging = parent / ("." + target.filename().string() + ".tmp." +
                                     std::to_string(::getpid()) + "." + std::to_string(counter++));
  fs::create_directory(staging, ec);
  if (ec) detail::raise<io_error>(dir, "cannot create the model directory: " + ec.message());
  try {
    write_into(staging);
    fs::rename(staging, target, ec);
    if (ec && fs::is_directory(target)) {
      // Another writer created the directory meanwhile: write into it file by file.
      write_into(target);
      fs::remove_all(staging, ec);
      return;
    }
    if (ec) detail::raise<io_error>(dir, "cannot create the model directory: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    throw;
  }
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
  // Each file is read once; the manifest check and the parsing see the same bytes.
  const std::string cfg_text = detail::read_text_file(cfg_path);
  std::vector<std::byte> tensor_bytes = detail::read_file_bytes(weights_path);
  detail::verify_model_manifest(
      dir, {{"cfg.json", cfg_text}, {"sae_weights.safetensors", detail::as_view(tensor_bytes)}});
  const nlohmann::json cfg = detail::parse_sae_cfg(cfg_text, cfg_path);
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
  const SafetensorsFile file = SafetensorsFile::parse(std::move(tensor_bytes), weights_path);
  SaeWeights<Scalar> w;
  w.architecture = *arch;
  const RowMatrix<Scalar> w_enc_file = file.matrix<Scalar>("W_enc");
  detail::require_finite_tensor(w_enc_file, weights_path, "W_enc");
  w.w_enc = w_enc_file.transpose();
  w.b_enc = file.vector<Scalar>("b_enc");
  w.w_dec = file.matrix<Scalar>("W_dec");
  w.b_dec = file.vector<Scalar>("b_dec");
  detail::require_finite_tensor(w.b_enc, weights_path, "b_enc");
  detail::require_finite_tensor(w.w_dec, weights_path, "W_dec");
  detail::require_finite_tensor(w.b_dec, weights_path, "b_dec");
  if (*arch == SaeArchitecture::JumpReLU) {
    w.threshold = file.vector<Scalar>("threshold");
    detail::require_finite_tensor(w.threshold, weights_path, "threshold");
  }
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
  const std::string cfg_text = detail::read_text_file(cfg_path);
  std::vector<std::byte> tensor_bytes = detail::read_file_bytes(weights_path);
  detail::verify_model_manifest(
      dir, {{"cfg.json", cfg_text}, {"sae.safetensors", detail::as_view(tensor_bytes)}});
  const nlohmann::json cfg = detail::parse_sae_cfg(cfg_text, cfg_path);
  if (detail::cfg_value<bool>(cfg, "skip_connection", cfg_path, false) ||
      detail::cfg_value<bool>(cfg, "transcode", cfg_path, false)) {
    detail::raise<io_error>(cfg_path, "skip connections and transcoders are not supported");
  }
  const SafetensorsFile file = SafetensorsFile::parse(std::move(tensor_bytes), weights_path);
  SaeWeights<Scalar> w;
  w.architecture = SaeArchitecture::TopK;
  w.k = detail::cfg_value<Index>(cfg, "k", cfg_path, 0, true);
  w.w_enc = file.matrix<Scalar>("encoder.weight");
  w.b_enc = file.vector<Scalar>("encoder.bias");
  w.w_dec = file.matrix<Scalar>("W_dec");
  w.b_dec = file.vector<Scalar>("b_dec");
  detail::require_finite_tensor(w.w_enc, weights_path, "encoder.weight");
  detail::require_finite_tensor(w.b_enc, weights_path, "encoder.bias");
  detail::require_finite_tensor(w.w_dec, weights_path, "W_dec");
  detail::require_finite_tensor(w.b_dec, weights_path, "b_dec");
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
