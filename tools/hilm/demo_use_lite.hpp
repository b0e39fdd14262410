// `hilm demo --case use-lite`: the pipeline of `hilm demo` on a real trained network, the USE-lite
// sentence encoder (a 2-layer text transformer trained for sentence similarity, not an LLM).
#ifndef HILM_TOOLS_DEMO_USE_LITE_HPP
#define HILM_TOOLS_DEMO_USE_LITE_HPP

#include <cstdint>
#include <string>

#include <hilm/core/types.hpp>

namespace hilm::cli {

struct UseLiteDemoArgs {
  std::string model;  // package root, dist/ or dist/model.json
  std::string text;   // one sentence per line; empty: the pinned corpus
  std::string out = "hilm-demo-use-lite";
  Index tokens = 50000;  // tokens of activations (whole sentences, at least this many)
  Index epochs = 3;      // SAE training epochs per candidate and seed
  std::uint64_t seed = 0;
};

// Runs the demo; throws usage_error / bad_input / numerical_failure like every command.
void run_use_lite_demo(const UseLiteDemoArgs& args);

// The pinned corpus file shipped with hilm (source tree, then install share dir), or "".
std::string default_corpus_path();

}  // namespace hilm::cli

#endif  // HILM_TOOLS_DEMO_USE_LITE_HPP
