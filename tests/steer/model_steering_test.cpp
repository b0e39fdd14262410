// Tests of include/hilm/steer/model_steering.hpp on a tiny fake intervention model.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <hilm/concepts/intervention_model.hpp>
#include <hilm/steer/model_steering.hpp>

#include "support/catch.hpp"

namespace {

using hilm::Index;
using hilm::RowMatrix;

// Token i embeds as row i of a fixed table (width 4); layer0 = embedding, layer1 = 2·tanh(layer0)
// (a non-linearity, so an edit of layer0 does not simply pass through), output = L2-normalised
// mean of the sentence's layer1 rows. `tamper` breaks the contract: any edit adds 1e-3.
class FakeModel {
 public:
  using Batch = std::vector<std::vector<std::int32_t>>;
  bool tamper = false;

  [[nodiscard]] std::vector<std::string> layer_names() const { return {"layer0", "layer1"}; }
  [[nodiscard]] Index layer_width(std::string_view layer) const {
    check(layer);
    return 4;
  }
  [[nodiscard]] hilm::ForwardResult forward(const Batch& batch,
                                            const hilm::ForwardRequest& request) const {
    if (request.edit) check(request.edit_layer);
    Index rows = 0;
    for (const auto& s : batch) rows += static_cast<Index>(s.size());
    RowMatrix<float> l0(rows, 4);
    Index r = 0;
    for (const auto& s : batch) {
      for (const std::int32_t t : s) {
        for (Index c = 0; c < 4; ++c)
          l0(r, c) = c == (t % 4) ? 0.8f : 0.1f * static_cast<float>(t % 3);
        ++r;
      }
    }
    hilm::ForwardResult out;
    auto edit = [&](const std::string& name, RowMatrix<float>& x) {
      if (!request.edit || request.edit_layer != name) return;
      request.edit(x);
      if (tamper) x.array() += 1e-3f;
    };
    edit("layer0", l0);
    RowMatrix<float> l1 = 2.0f * l0.array().tanh();
    edit("layer1", l1);
    for (const auto& name : request.record) {
      check(name);
      out.layers.emplace_back(name, name == "layer0" ? l0 : l1);
    }
    out.output.resize(static_cast<Index>(batch.size()), 4);
    r = 0;
    for (std::size_t s = 0; s < batch.size(); ++s) {
      const auto n = static_cast<Index>(batch[s].size());
      Eigen::RowVectorXf mean = l1.middleRows(r, n).colwise().mean();
      out.output.row(static_cast<Index>(s)) = mean / mean.norm();
      r += n;
    }
    return out;
  }

 private:
  static void check(std::string_view layer) {
    if (layer != "layer0" && layer != "layer1") {
      throw hilm::invalid_argument("FakeModel: unknown layer '" + std::string(layer) + "'");
    }
  }
};
static_assert(hilm::InterventionModel<FakeModel>);

hilm::ForwardResult record(const FakeModel& model, const FakeModel::Batch& batch) {
  hilm::ForwardRequest request;
  request.record = {"layer1"};
  return model.forward(batch, request);
}

// Reference rows: 5 near e0 (flagged, "on concept") and 15 near e1, e2, e3.
void reference_set(RowMatrix<float>& ref, std::vector<bool>& flags) {
  ref = RowMatrix<float>::Zero(20, 4);
  flags.assign(20, false);
  for (Index i = 0; i < 20; ++i) {
    const Index axis = i < 5 ? 0 : 1 + (i % 3);
    ref(i, axis) = 1.0f;
    ref(i, (axis + 1) % 4) = 0.05f * static_cast<float>(i % 5);
    flags[static_cast<std::size_t>(i)] = i < 5;
  }
}

}  // namespace

TEST_CASE("steer: steering through a model's forward pass moves the output to the concept",
          "[steer]") {
  const FakeModel model;
  const FakeModel::Batch probes = {{1, 5}, {2, 6, 10}, {3, 7}};  // tokens far from axis 0
  RowMatrix<float> ref;
  std::vector<bool> flags;
  reference_set(ref, flags);
  const hilm::Vector<float> direction = (hilm::Vector<float>(4) << 3, 0, 0, 0).finished();
  const auto acts = record(model, probes).layer("layer1");
  const double scale = hilm::mean_row_norm(acts);
  CHECK(scale > 0);
  const auto curve = hilm::steering_curve(
      model, probes, direction, {.layer = "layer1", .alphas = {0, 1, 2, 4, 8}, .scale = scale});
  REQUIRE(curve.outputs.size() == 5);
  CHECK(curve.zero_alpha_identical);
  CHECK(curve.outputs[0] == curve.unsteered);
  std::vector<double> mean;
  for (const auto& y : curve.outputs) {
    const auto f = hilm::on_concept_fraction(y, ref, flags, 5);
    REQUIRE(f.size() == 3);
    mean.push_back((f[0] + f[1] + f[2]) / 3);
  }
  INFO("fractions " << mean[0] << " " << mean[1] << " " << mean[2] << " " << mean[3] << " "
                    << mean[4]);
  CHECK(mean[0] <= 0.1);
  CHECK(mean[4] >= 0.8);
  // Steering at layer0 goes through the tanh, and still reaches the concept.
  const auto early = hilm::steering_curve(model, probes, direction,
                                          {.layer = "layer0", .alphas = {0, 8}, .scale = scale});
  CHECK(early.zero_alpha_identical);
  CHECK(hilm::on_concept_fraction(early.outputs[1], ref, flags, 5)[0] >= 0.8);
}

TEST_CASE("steer: the alpha = 0 check detects a model that changes its output under a no-op edit",
          "[steer]") {
  FakeModel model;
  model.tamper = true;
  const hilm::Vector<float> direction = hilm::Vector<float>::Ones(4);
  const auto curve =
      hilm::steering_curve(model, {{1, 2}}, direction, {.layer = "layer1", .alphas = {0}});
  CHECK_FALSE(curve.zero_alpha_identical);
}

TEST_CASE("steer: error-preserving ablation inside the forward pass removes only the latent",
          "[steer]") {
  const FakeModel model;
  // ReLU SAE with latent j = coordinate j (encoder = decoder = identity, no biases).
  hilm::SaeWeights<float> w;
  w.architecture = hilm::SaeArchitecture::ReLU;
  w.w_enc = RowMatrix<float>::Identity(4, 4);
  w.w_dec = RowMatrix<float>::Identity(4, 4);
  w.b_enc = hilm::Vector<float>::Constant(4, -0.5f);  // only large coordinates fire
  w.b_dec = hilm::Vector<float>::Zero(4);
  const FakeModel::Batch batch = {{0, 4}, {1, 2}};
  const auto before = record(model, batch).layer("layer1");
  hilm::ForwardRequest request{
      .record = {"layer1"}, .edit_layer = "layer1", .edit = hilm::ablation_edit(w, 0)};
  const auto after = model.forward(batch, request).layer("layer1");
  for (Index i = 0; i < before.rows(); ++i) {
    const float z = std::max(0.0f, before(i, 0) - 0.5f);
    CHECK(after(i, 0) == Approx(before(i, 0) - z));
    for (Index c = 1; c < 4; ++c) CHECK(after(i, c) == before(i, c));
  }
  // Rows with tokens 0 and 4 have a large coordinate 0 (it fired): it must have changed.
  CHECK(after(0, 0) < before(0, 0));
  CHECK_THROWS_AS(hilm::ablation_edit(w, 4), hilm::invalid_argument);
}

TEST_CASE("steer: on-concept fraction handles exclusion and rejects bad input", "[steer]") {
  RowMatrix<float> ref;
  std::vector<bool> flags;
  reference_set(ref, flags);
  // Query = reference row 0 itself: with it excluded, the 5 nearest are rows 1..4 and one other.
  const RowMatrix<float> q = ref.topRows(1);
  CHECK(hilm::on_concept_fraction(q, ref, flags, 4)[0] == 1.0);
  CHECK(hilm::on_concept_fraction(q, ref, flags, 5, {0})[0] == Approx(0.8));
  CHECK(hilm::on_concept_fraction(q, ref, flags, 5)[0] == 1.0);
  CHECK_THROWS_AS(hilm::on_concept_fraction(q, ref, flags, 0), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::on_concept_fraction(q, ref, flags, 21), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::on_concept_fraction(q, ref, {true}, 2), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::on_concept_fraction(q, ref, flags, 2, {0, 1}), hilm::invalid_argument);
  const FakeModel model;
  CHECK_THROWS_AS(
      hilm::steering_curve(model, {{1}}, hilm::Vector<float>::Ones(3), {.layer = "layer1"}),
      hilm::invalid_argument);
  CHECK_THROWS_AS(
      hilm::steering_curve(model, {{1}}, hilm::Vector<float>::Zero(4), {.layer = "layer1"}),
      hilm::invalid_argument);
  CHECK_THROWS_AS(
      hilm::steering_curve(model, {{1}}, hilm::Vector<float>::Ones(4), {.layer = "nope"}),
      hilm::invalid_argument);
}
