// `hilm demo --case esrgan`: steering a real image generator. The demo command's `--case`
// dispatch (tools/hilm/demo_command.cpp) fills `EsrganDemoArgs` and calls `run_demo_esrgan`.
#ifndef HILM_TOOLS_DEMO_ESRGAN_HPP
#define HILM_TOOLS_DEMO_ESRGAN_HPP

#include <cstdint>
#include <string>
#include <vector>

#include <hilm/core/types.hpp>

namespace hilm::cli {

struct EsrganDemoArgs {
  /// The esrgan package directory (scripts/fetch-models.sh: <cache>/esrgan), holding
  /// models/x4/model.json and assets/fixture.png.
  std::string model;
  std::string out = "hilm-demo-esrgan";
  /// PNG or JPEG images to read features from; empty: Debian's photos china.jpg and flower.jpg
  /// (python3-sklearn) when installed, then the package's assets/fixture.png.
  std::vector<std::string> images;
  std::uint64_t seed = 0;
  /// Layer whose pixel features the SAE learns (FDF: the global-skip output, 64-d per pixel).
  std::string layer = "FDF";
  Index latents = 128;
  Index k = 8;
  Index epochs = 10;
  /// Images larger than crop × crop are centre-cropped to it (bounds time and memory).
  Index crop = 160;
};

/// Runs the demo: writes report.json and the PNGs into `args.out`, prints the JSON summary.
/// Throws the tool's exceptions (hilm::io_error for unreadable model/images -> exit 3, ...).
void run_demo_esrgan(const EsrganDemoArgs& args);

}  // namespace hilm::cli

#endif  // HILM_TOOLS_DEMO_ESRGAN_HPP
