/// @file
/// The files of a model directory (`hilm/sae/saelens.hpp`): reading `cfg.json` and its fields,
/// reading a whole file once, refusing NaN/Inf tensors, and the manifest `hilm_manifest.json`
/// (size and SHA-256 of each model file) that lets a loader refuse files from different saves.
#ifndef HILM_SAE_DETAIL_MODEL_FILES_HPP
#define HILM_SAE_DETAIL_MODEL_FILES_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/io/detail/sha256.hpp>
#include <hilm/sae/weights.hpp>

#include <nlohmann/json.hpp>

namespace hilm::detail {

/// The file in a model directory that lists the size and SHA-256 of each model file.
inline constexpr const char* model_manifest_name = "hilm_manifest.json";

/// Parses the text of `cfg.json` (read from `path`) into a JSON object.
/// @throws io_error naming `path` if the text is not valid JSON or not an object.
inline nlohmann::json parse_sae_cfg(const std::string& text, const std::string& path) {
  try {
    nlohmann::json cfg = nlohmann::json::parse(text);
    if (!cfg.is_object()) raise<io_error>(path, "the configuration is not a JSON object");
    return cfg;
  } catch (const nlohmann::json::exception& e) {
    raise<io_error>(path, std::string("the configuration is not valid JSON: ") + e.what());
  }
}

/// Reads and parses the `cfg.json` at `path`.
inline nlohmann::json read_sae_cfg(const std::string& path) {
  return parse_sae_cfg(detail::read_text_file(path), path);
}

/// Throws io_error naming `file` and `tensor` at the first NaN/Inf of `m` (file coordinates).
template <class Derived>
void require_finite_tensor(const Eigen::MatrixBase<Derived>& m, const std::string& file,
                           const char* tensor) {
  for (Index i = 0; i < m.rows(); ++i) {
    for (Index j = 0; j < m.cols(); ++j) {
      if (!std::isfinite(static_cast<double>(m(i, j)))) [[unlikely]] {
        std::string where = m.cols() == 1
                                ? "[" + std::to_string(i) + "]"
                                : "[" + std::to_string(i) + ", " + std::to_string(j) + "]";
        raise<io_error>(file, std::string("tensor \"") + tensor + "\" holds a non-finite value " +
                                  std::to_string(static_cast<double>(m(i, j))) + " at " + where);
      }
    }
  }
}

/// The manifest text for the given model files: their sizes and SHA-256 digests.
inline std::string model_manifest(
    const std::vector<std::pair<std::string, std::string_view>>& files) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["format"] = "hilm-model-manifest";
  j["version"] = 1;
  nlohmann::ordered_json entries = nlohmann::ordered_json::object();
  for (const auto& [name, bytes] : files) {
    entries[name] = {{"bytes", bytes.size()},
                     {"sha256", detail::sha256_hex(bytes.data(), bytes.size())}};
  }
  j["files"] = std::move(entries);
  return j.dump(2) + "\n";
}

/// Checks the files of a model directory, read once into memory, against the manifest when the
/// directory has one (directories written by other tools have none and are accepted as they are).
/// @throws io_error naming the directory when a file disagrees with the manifest or the manifest
///         is malformed.
inline void verify_model_manifest(
    const std::string& dir, const std::vector<std::pair<std::string, std::string_view>>& files) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(dir) / model_manifest_name;
  std::error_code ec;
  if (!fs::exists(path, ec)) return;
  const std::string text = detail::read_text_file(path.string());
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    raise<io_error>(path.string(), std::string("the manifest is not valid JSON: ") + e.what());
  }
  if (!manifest.is_object() || !manifest.contains("files") || !manifest["files"].is_object()) {
    raise<io_error>(path.string(), "the manifest has no \"files\" object");
  }
  const std::string advice =
      " (the files come from different saves, e.g. an interrupted write or a file copied in by "
      "hand); save the model again, or delete " +
      std::string(model_manifest_name) + " to accept the files as they are";
  for (const auto& [name, bytes] : files) {
    const auto it = manifest["files"].find(name);
    if (it == manifest["files"].end() || !it->is_object()) {
      raise<io_error>(dir, "inconsistent model directory: " + name + " is not listed in " +
                               model_manifest_name + advice);
    }
    const auto size = it->value("bytes", std::uint64_t{0});
    const auto digest = it->value("sha256", std::string());
    if (size != bytes.size() || digest != detail::sha256_hex(bytes.data(), bytes.size())) {
      raise<io_error>(dir, "inconsistent model directory: " + name + " does not match " +
                               model_manifest_name + advice);
    }
  }
}

/// Field `key` of `cfg` as a `T`; `fallback` when absent or null.
/// @throws io_error naming `path` if the field has the wrong type, or is absent and `required`.
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

/// `w.check()`, reported as an io_error naming `path` (the file the weights came from).
template <class Scalar>
void check_loaded(const SaeWeights<Scalar>& w, const std::string& path) {
  try {
    w.check();
  } catch (const invalid_argument& e) {
    raise<io_error>(path, e.what());
  }
}

/// Reads a whole file as bytes (regular files only; never blocks on a FIFO).
inline std::vector<std::byte> read_file_bytes(const std::string& path) {
  const detail::ReadOnlyFile file(path);
  std::vector<std::byte> bytes(static_cast<std::size_t>(file.size()));
  file.read_at(0, bytes.data(), bytes.size());
  return bytes;
}

/// The bytes as a string view (for hashing).
inline std::string_view as_view(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_MODEL_FILES_HPP
