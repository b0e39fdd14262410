// `hilm steer` (DESIGN.md §3): edits one latent of a saved sparse autoencoder on every row of
// the data — ablate, scale, clamp or add along its decoder direction — error preserving, writes
// the steered inputs to a .npy file and prints the side effects. docs/steer.md describes it.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <hilm/io/npy.hpp>
#include <hilm/sae/saelens.hpp>
#include <hilm/steer/side_effects.hpp>
#include <hilm/steer/steer.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

struct SteerArgs {
  DataInput data;
  std::string model, out, mode;
  Index latent = -1;
  double value = std::nan("");
  bool no_preserve_error = false;
  Index report_rows = 10;
  Index batch = 4096;
};

void run_steer(const SteerArgs& a) {
  const auto mode = hilm::parse_edit_mode(a.mode);
  if (!mode) throw usage_error("--mode must be ablate, scale, clamp or add, got '" + a.mode + "'");
  const bool needs_value = *mode != hilm::EditMode::Ablate;
  if (needs_value && std::isnan(a.value)) {
    throw usage_error("--value is required with --mode " + a.mode);
  }
  if (needs_value && std::abs(a.value) > static_cast<double>(std::numeric_limits<float>::max())) {
    throw usage_error("--value must fit the model's float32 arithmetic (|value| <= 3.4e38), got " +
                      std::to_string(a.value));
  }
  const RowMatrix<float> x = load_matrix_f32(a.data);
  require_rows(x, a.data.path, 1, "steering");
  std::error_code ec;
  if (!std::filesystem::is_directory(a.model, ec))
    throw bad_input(a.model, "no such model directory");
  const SaeWeights<float> w = load_sae<float>(a.model);
  if (w.d_in() != x.cols()) {
    throw bad_input(a.data.path, "the data have d = " + std::to_string(x.cols()) +
                                     " columns but the model's d_in is " +
                                     std::to_string(w.d_in()) + " (" + a.model + ")");
  }
  if (a.latent >= w.d_sae()) {
    throw usage_error("--latent " + std::to_string(a.latent) + " is out of range: the model has " +
                      std::to_string(w.d_sae()) + " latents (indices are 0-based)");
  }
  const std::vector<hilm::Edit> edits = {
      {.latent = a.latent, .mode = *mode, .value = needs_value ? a.value : 0.0}};
  hilm::SteerOptions options;
  options.preserve_error = !a.no_preserve_error;
  options.batch_rows = a.batch;
  OutputSet outputs;
  const std::string out_path = outputs.file(a.out);

  Stopwatch clock;
  const auto result = hilm::intervene(w, x, edits, options);
  const auto report = hilm::side_effects(w, x, result.x, edits, options.batch_rows);
  const double seconds = clock.seconds();
  write_result_npy(out_path, "steer: the steered data " + a.out, result.x);

  const auto& row = report.rows[static_cast<std::size_t>(a.latent)];
  nlohmann::json out;
  out["rows"] = x.rows();
  out["latent"] = a.latent;
  out["mode"] = a.mode;
  if (needs_value) {
    out["value"] = a.value;
  } else {
    out["value"] = nullptr;
  }
  out["preserve_error"] = options.preserve_error;
  out["changed_rows"] = result.changed_rows;
  out["intended_change"] = row.intended_change;
  out["edited_mean_change"] = row.mean_abs_change;
  out["edited_mean_code"] = row.mean_abs_code;
  out["others_mean_change"] = report.others_mean_change;
  out["others_max_change"] = report.others_max_change;
  out["others_max_latent"] = report.others_max_latent;
  out["input_change_energy"] = report.input_change_energy;
  out["edited_input_energy"] = row.input_energy;
  out["side_effects"] = nlohmann::json::parse(hilm::format_json(report, a.report_rows));
  out["out"] = a.out;
  finish(outputs, std::move(out), seconds);
}

void setup_steer(CLI::App& root) {
  auto a = std::make_shared<SteerArgs>();
  auto* cmd = root.add_subcommand(
      "steer", "Edit one SAE latent on every row (error preserving); write the steered inputs");
  cmd->add_option("--model", a->model, "Model directory (SAELens or sparsify layout)")->required();
  add_data_option(cmd, a->data, "Inputs, n × d (.npy, .safetensors or delimited text)");
  cmd->add_option("--latent", a->latent, "Latent to edit (0-based)")
      ->required()
      ->check(integer_from(0));
  cmd->add_option("--mode", a->mode, "ablate | scale | clamp | add")
      ->required()
      ->check(CLI::IsMember({"ablate", "scale", "clamp", "add"}));
  cmd->add_option("--value", a->value,
                  "Factor (scale), target code (clamp) or amount along the decoder direction "
                  "(add); not used by ablate")
      ->check(finite_real());
  cmd->add_option("--out", a->out, "Output .npy (float32, n × d)")->required();
  cmd->add_flag("--no-preserve-error", a->no_preserve_error,
                "Output decode(z') instead of decode(z') + (x − decode(z))");
  cmd->add_option("--report-rows", a->report_rows,
                  "Latents listed in side_effects.rows (edited first, then the largest side "
                  "effects; -1: all)")
      ->check(integer_from(-1))
      ->capture_default_str();
  cmd->add_option("--batch", a->batch, "Rows per batch")
      ->check(integer_from(1))
      ->capture_default_str();
  cmd->callback([a] { run_steer(*a); });
}

[[maybe_unused]] const bool registered_steer = register_command("steer", &setup_steer);

}  // namespace
}  // namespace hilm::cli
