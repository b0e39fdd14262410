/// @file
/// Convenience umbrella: includes every public hilm header, so that a quick experiment needs one
/// line (`#include <hilm/hilm.hpp>`). Real code should include the specific headers it uses, which
/// compiles much faster; hilm itself and its tests never include this file.
///
/// The optional integrations that need nlohmann-json (`hilm/io/safetensors.hpp`,
/// `hilm/io/sparse_codes.hpp`, `hilm/sae/saelens.hpp`,
/// `hilm/synth/synth_sae_bench_io.hpp` and the real models under `hilm/models/`) are
/// included only when `<nlohmann/json.hpp>` is on the include path (Debian `nlohmann-json3-dev`,
/// CMake `nlohmann_json::nlohmann_json`); everything else needs only Eigen 3.4. The ctest entry
/// "headers: hilm/hilm.hpp includes every public header" keeps this list complete.
#ifndef HILM_HILM_HPP
#define HILM_HILM_HPP

#include <hilm/concepts/activation_source.hpp>
#include <hilm/concepts/ci_test.hpp>
#include <hilm/concepts/intervention_model.hpp>
#include <hilm/core/assert.hpp>
#include <hilm/core/distributions.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/background_knowledge.hpp>
#include <hilm/graph/cpdag.hpp>
#include <hilm/graph/dot.hpp>
#include <hilm/graph/dseparation.hpp>
#include <hilm/graph/endpoint_matrix.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/graph/json.hpp>
#include <hilm/graph/meek.hpp>
#include <hilm/graph/operators.hpp>
#include <hilm/graph/pc.hpp>
#include <hilm/hierarchy/bottom_level.hpp>
#include <hilm/hierarchy/concept_graph.hpp>
#include <hilm/hierarchy/concept_graph_types.hpp>
#include <hilm/hierarchy/fdr.hpp>
#include <hilm/hierarchy/gmm.hpp>
#include <hilm/hierarchy/gmm_types.hpp>
#include <hilm/hierarchy/kmeans.hpp>
#include <hilm/hierarchy/lasso.hpp>
#include <hilm/hierarchy/rank_search.hpp>
#include <hilm/hierarchy/sparse_concept_graph.hpp>
#include <hilm/hierarchy/sparse_concept_graph_types.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/delimited.hpp>
#include <hilm/io/dtype.hpp>
#include <hilm/io/jpeg.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/io/npy_header.hpp>
#include <hilm/io/png.hpp>
#include <hilm/metrics/clustering.hpp>
#include <hilm/metrics/correlation.hpp>
#include <hilm/metrics/dictionary.hpp>
#include <hilm/metrics/graph_metrics.hpp>
#include <hilm/metrics/hungarian.hpp>
#include <hilm/metrics/mcc.hpp>
#include <hilm/metrics/parent_sets.hpp>
#include <hilm/metrics/r2.hpp>
#include <hilm/nmf/beta_divergence.hpp>
#include <hilm/nmf/latent_class.hpp>
#include <hilm/nmf/nmf.hpp>
#include <hilm/nmf/nmf_types.hpp>
#include <hilm/nmf/nncp.hpp>
#include <hilm/nmf/nnls.hpp>
#include <hilm/nmf/rank_selection.hpp>
#include <hilm/nmf/separable.hpp>
#include <hilm/sae/concept_labels.hpp>
#include <hilm/sae/duplicates.hpp>
#include <hilm/sae/evaluation.hpp>
#include <hilm/sae/evaluation_types.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/result.hpp>
#include <hilm/sae/size_selection.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sae/stability.hpp>
#include <hilm/sae/weights.hpp>
#include <hilm/sources/any_source.hpp>
#include <hilm/sources/generator_source.hpp>
#include <hilm/sources/mapped_source.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/sources/npy_file_source.hpp>
#include <hilm/sources/source_interface.hpp>
#include <hilm/stats/causal_learn_rounding.hpp>
#include <hilm/stats/cca_rank.hpp>
#include <hilm/stats/ci_cache.hpp>
#include <hilm/stats/discrete.hpp>
#include <hilm/stats/discrete_types.hpp>
#include <hilm/stats/fisher_z.hpp>
#include <hilm/stats/kci.hpp>
#include <hilm/stats/kci_options.hpp>
#include <hilm/stats/nonnegative_rank.hpp>
#include <hilm/stats/permutation.hpp>
#include <hilm/steer/concept_graph_links.hpp>
#include <hilm/steer/edit.hpp>
#include <hilm/steer/hierarchical.hpp>
#include <hilm/steer/model_steering.hpp>
#include <hilm/steer/side_effects.hpp>
#include <hilm/steer/steer.hpp>
#include <hilm/synth/discrete.hpp>
#include <hilm/synth/graph.hpp>
#include <hilm/synth/linear_sem.hpp>
#include <hilm/synth/mlp.hpp>
#include <hilm/synth/selection_hierarchy.hpp>
#include <hilm/synth/selection_hierarchy_types.hpp>
#include <hilm/synth/sparse_linear.hpp>
#include <hilm/synth/synth_sae_bench.hpp>
#include <hilm/synth/synth_sae_bench_types.hpp>
#include <hilm/testing/rank_oracles.hpp>
#include <hilm/testing/source_conformance.hpp>
#include <hilm/version.hpp>

#if __has_include(<nlohmann/json.hpp>)
#include <hilm/io/safetensors.hpp>
#include <hilm/io/sparse_codes.hpp>
#include <hilm/models/esrgan.hpp>
#include <hilm/models/sentencepiece.hpp>
#include <hilm/models/tfjs_graph.hpp>
#include <hilm/models/tfjs_graph_types.hpp>
#include <hilm/models/use_lite.hpp>
#include <hilm/sae/saelens.hpp>
#include <hilm/synth/synth_sae_bench_io.hpp>
#endif

#endif  // HILM_HILM_HPP
