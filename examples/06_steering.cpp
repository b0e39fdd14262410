// Steering with learned concepts: train a TopK sparse autoencoder on a planted sparse model, find
// the latent that stands for one true concept, ablate it (error preserving) and measure what
// else moved; then steer along a small concept graph — an upper concept through its parts, and
// one part while its siblings are held. See docs/steer.md.
#include <cstdio>
#include <vector>

#include <hilm/metrics/mcc.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/steer/hierarchical.hpp>
#include <hilm/steer/side_effects.hpp>
#include <hilm/steer/steer.hpp>
#include <hilm/synth/sparse_linear.hpp>

int main() {
  using hilm::Index;
  using namespace hilm;
  try {
    // 1. Activations with known concepts: x = s A, 16 concepts in R^32, 3 active per row.
    const auto data = hilm::sparse_linear<float>(
        {.samples = 6000, .features = 32, .latents = 16, .active = 3, .seed = 7});

    // 2. A TopK SAE (2x overcomplete, k = 3) and the latent matched to each true concept.
    hilm::MatrixSource source(data.x);
    hilm::SparseAutoencoder<float> sae(hilm::SaeOptions{.latents = 32,
                                                        .k = 3,
                                                        .batch_size = 128,
                                                        .epochs = 8,
                                                        .learning_rate = 0.003,
                                                        .dead_after_rows = 6000,
                                                        .seed = 7});
    const hilm::SaeResult fit = sae.fit(source);
    const auto match = hilm::mcc(data.codes, sae.encode(data.x));
    std::printf("SAE: explained variance %.4f, MCC against the true concepts %.3f\n",
                fit.metrics.explained_variance, match.mean);

    // 3. Ablate the latent of concept 0. Error preserving: only that latent's decoder direction
    //    is subtracted, so x' = x wherever the concept is absent.
    const Index concept_id = 0;
    const Index latent = match.assignment(concept_id);
    const std::vector<Edit> ablate = {{.latent = latent, .mode = EditMode::Ablate}};
    const SteerResult<float> steered = intervene(sae, data.x, ablate);
    const AtomEnergy energy = atom_energy(data.atoms, data.x, steered.x);
    double worst_other = 0;
    for (Index i = 1; i < data.atoms.rows(); ++i) {
      worst_other = std::max(worst_other, energy.relative_change(i));
    }
    std::printf(
        "\nablating latent %ld (concept %ld) changed %ld rows: %.2f%% of the concept's energy "
        "removed, other concepts moved by at most %.3f%%\n",
        long(latent), long(concept_id), long(steered.changed_rows),
        100 * energy.removed_fraction(concept_id), 100 * worst_other);
    const SideEffectReport report = side_effects(sae.weights(), data.x, steered.x, ablate);
    std::printf("%s", format_text(report, 5).c_str());

    // 4. A concept graph: upper concept 0 is made of the latents of true concepts 1 and 2,
    //    upper concept 1 of concepts 2 and 3 (so concept 2's latent has siblings 1 and 3).
    const ConceptLinks links{
        {{match.assignment(1), match.assignment(2)}, {match.assignment(2), match.assignment(3)}}};
    const auto down = intervene_upper(sae.weights(), data.x, links,
                                      {.latent = 0, .mode = EditMode::Scale, .value = 0.5});
    const auto down_energy = atom_energy(data.atoms, data.x, down.x);
    std::printf(
        "\nhalving upper concept 0 halves both parts: concepts 1, 2, 3 keep %.3f, %.3f, "
        "%.3f of their energy (0.25 = half the amplitude)\n",
        1 - down_energy.removed_fraction(1), 1 - down_energy.removed_fraction(2),
        1 - down_energy.removed_fraction(3));
    const Edit part{.latent = match.assignment(2), .mode = EditMode::Scale, .value = 2.0};
    const auto up = intervene_lower(sae.weights(), data.x, links, part);
    std::printf(
        "doubling the part shared by both upper concepts while holding its siblings: %d "
        "corrections; siblings back at their codes in %ld of %ld rows (the rest: the top-k set "
        "changed)\n",
        up.hold_iterations, long(data.x.rows() - up.hold_unresolved_rows), long(data.x.rows()));
  } catch (const hilm::error& e) {
    std::fprintf(stderr, "steering example: %s\n", e.message());
    return 1;
  }
  return 0;
}
