// `hilm info FILE|MODEL_DIR`: what an array, tensor file, table or saved model holds.
//   .npy          {"shape", "dtype", "order": "C"|"F", "endian": "little"|"big", "format_version"}
//   .safetensors  {"tensors": [{"name", "dtype", "shape"}], "metadata": {...}}
//   text table    {"shape", "dtype": "float64", "delimiter", "names"}
//   model dir     {"format": "saelens"|"sparsify", "config": cfg.json, "tensors": [...]}
#include <filesystem>
#include <fstream>

#include <hilm/io/delimited.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/io/safetensors.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

nlohmann::json shape_json(const std::vector<Index>& shape) {
  nlohmann::json out = nlohmann::json::array();
  for (Index s : shape) out.push_back(s);
  return out;
}

nlohmann::json tensors_json(const hilm::SafetensorsFile& file) {
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& t : file.tensors()) {
    tensors.push_back({{"name", t.name},
                       {"dtype", std::string(hilm::dtype_name(t.dtype))},
                       {"shape", shape_json(t.shape)}});
  }
  return tensors;
}

nlohmann::json info_model_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path cfg = fs::path(dir) / "cfg.json";
  fs::path weights;
  std::string format;
  if (fs::exists(fs::path(dir) / "sae_weights.safetensors")) {
    weights = fs::path(dir) / "sae_weights.safetensors";
    format = "saelens";
  } else if (fs::exists(fs::path(dir) / "sae.safetensors")) {
    weights = fs::path(dir) / "sae.safetensors";
    format = "sparsify";
  } else {
    throw bad_input(dir,
                    "directory holds no sae_weights.safetensors (SAELens) or "
                    "sae.safetensors (sparsify)");
  }
  nlohmann::json out{{"format", format}};
  if (fs::exists(cfg)) {
    try {
      out["config"] = nlohmann::json::parse(hilm::detail::read_text_file(cfg.string()));
    } catch (const nlohmann::json::exception& e) {
      throw bad_input(cfg.string(), std::string("not valid JSON: ") + e.what());
    }
  } else {
    throw bad_input(dir, "missing cfg.json");
  }
  out["tensors"] = tensors_json(hilm::SafetensorsFile::open(weights.string()));
  return out;
}

void run_info(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw bad_input(path, "no such file or directory");
  Stopwatch clock;
  nlohmann::json out;
  std::string ext = fs::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (fs::is_directory(path, ec)) {
    out = info_model_dir(path);
  } else {
    require_regular_file(path);  // a FIFO or device would block or mislead
    if (ext == ".npy") {
      const hilm::NpyHeader h = hilm::read_npy_header(path);
      out = {{"shape", shape_json(h.shape)},
             {"dtype", std::string(hilm::dtype_name(h.dtype))},
             {"order", h.fortran_order ? "F" : "C"},
             {"endian", h.big_endian ? "big" : "little"},
             {"format_version",
              std::to_string(h.major_version) + "." + std::to_string(h.minor_version)}};
    } else if (ext == ".safetensors") {
      const auto file = hilm::SafetensorsFile::open(path);
      nlohmann::json metadata = nlohmann::json::object();
      for (const auto& [k, v] : file.metadata()) metadata[k] = v;
      out = {{"tensors", tensors_json(file)}, {"metadata", metadata}};
    } else {
      const auto table = hilm::read_delimited<double>(path);
      out = {{"shape", {table.data.rows(), table.data.cols()}},
             {"dtype", "float64"},
             {"delimiter", std::string(1, table.delimiter)},
             {"names", table.names}};
    }
  }
  out["path"] = path;
  print_json(out, clock.seconds());
}

void setup_info(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "info",
      "Shape, dtype and order of an array (.npy), the tensors of a .safetensors file, a "
      "delimited table's shape and names, or a saved SAE's config");
  auto path = std::make_shared<std::string>();
  cmd->add_option("path", *path, "FILE or MODEL_DIR")->required();
  cmd->callback([path] { run_info(*path); });
}

[[maybe_unused]] const bool registered_info = register_command("info", &setup_info);

}  // namespace
}  // namespace hilm::cli
