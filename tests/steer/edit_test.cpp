// Tests of include/hilm/steer/edit.hpp.
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/steer/edit.hpp>

#include "support/catch.hpp"

using hilm::Edit;
using hilm::EditMode;
using hilm::Index;
using hilm::RowMatrix;

TEST_CASE("steer: edit modes round-trip through their names", "[steer]") {
  for (EditMode m : {EditMode::Ablate, EditMode::Scale, EditMode::Clamp, EditMode::Add}) {
    const auto parsed = hilm::parse_edit_mode(hilm::to_string(m));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == m);
  }
  CHECK_FALSE(hilm::parse_edit_mode("remove").has_value());
  CHECK_FALSE(hilm::parse_edit_mode("Ablate").has_value());
}

TEST_CASE("steer: apply_edits sets, scales, clamps and shifts one column each", "[steer]") {
  RowMatrix<float> z(3, 4);
  z << 1, 2, 3, 4,  //
      0, 5, 0, 6,   //
      7, 0, 8, 9;
  const RowMatrix<float> original = z;
  const std::vector<Edit> edits = {{.latent = 0, .mode = EditMode::Ablate, .value = 99},
                                   {.latent = 1, .mode = EditMode::Scale, .value = -2},
                                   {.latent = 2, .mode = EditMode::Clamp, .value = 0.5},
                                   {.latent = 3, .mode = EditMode::Add, .value = 1.25}};
  hilm::apply_edits(z, edits);
  for (Index r = 0; r < 3; ++r) {
    CHECK(z(r, 0) == 0.0f);
    CHECK(z(r, 1) == -2.0f * original(r, 1));
    CHECK(z(r, 2) == 0.5f);
    CHECK(z(r, 3) == original(r, 3) + 1.25f);
  }
  // Edits of one latent compose in list order.
  RowMatrix<double> y = RowMatrix<double>::Ones(2, 2);
  hilm::apply_edits(y, std::vector<Edit>{{.latent = 1, .mode = EditMode::Clamp, .value = 2},
                                         {.latent = 1, .mode = EditMode::Scale, .value = 3}});
  CHECK(y(0, 1) == 6.0);
  CHECK(y(1, 0) == 1.0);
  hilm::apply_edits(y, std::vector<Edit>{{.latent = 1, .mode = EditMode::Scale, .value = 3},
                                         {.latent = 1, .mode = EditMode::Ablate}});
  CHECK(y(1, 1) == 0.0);
}

TEST_CASE("steer: invalid edits are rejected with the edit named", "[steer]") {
  RowMatrix<double> z = RowMatrix<double>::Ones(2, 3);
  const RowMatrix<double> original = z;
  try {
    hilm::apply_edits(z, std::vector<Edit>{{.latent = 1}, {.latent = 3}});
    FAIL("latent 3 of 3 was accepted");
  } catch (const hilm::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.find("edit 1") != std::string::npos);
    CHECK(what.find("Edit::latent") != std::string::npos);
    CHECK(what.find("got 3") != std::string::npos);
  }
  CHECK(z == original);  // nothing applied when the list is invalid
  CHECK_THROWS_AS(hilm::apply_edits(z, std::vector<Edit>{{.latent = -1}}), hilm::invalid_argument);
  CHECK_THROWS_AS(
      hilm::apply_edits(
          z, std::vector<Edit>{{.latent = 0, .mode = EditMode::Scale, .value = std::nan("")}}),
      hilm::invalid_argument);
  const std::vector<Edit> edits = {{.latent = 2}, {.latent = 0}, {.latent = 2}};
  CHECK(hilm::edited_latents(edits) == std::vector<Index>{0, 2});
}
