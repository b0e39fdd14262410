/// @file
/// What a steering edit did besides what it was asked to do.
///
/// - `side_effects`: re-encodes the steered inputs and compares every latent's code with its
///   original value — the edited latents should move as intended, the others not at all. Also the
///   energy of the input change along each latent's decoder direction.
/// - `atom_energy`: the energy of the inputs, and of their change, along each atom of a dictionary
///   (the true atoms of a planted model, or learned decoder rows) — check T12 of DESIGN.md §4:
///   ablating the latent matched to true component i removes ≥ 95 % of that component's energy and
///   moves every other component by < 5 %.
/// - `format_text`, `format_json`: a fixed-width table and a JSON object of a report (the library
///   never prints; the `hilm steer` command prints these).
#ifndef HILM_STEER_SIDE_EFFECTS_HPP
#define HILM_STEER_SIDE_EFFECTS_HPP

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/weights.hpp>
#include <hilm/steer/detail/report_format.hpp>
#include <hilm/steer/edit.hpp>

namespace hilm {

/// Side effects on one latent j. Means are over the rows of the data.
struct SideEffectRow {
  /// Latent index j.
  Index latent = 0;
  /// Whether an edit targets j.
  bool edited = false;
  /// Mean |z'_j − z_j|: the change the edits asked for (0 for a latent no edit targets).
  double intended_change = 0;
  /// Mean |encode(x')_j − z_j|: the change found by re-encoding the steered inputs.
  double mean_abs_change = 0;
  /// Mean |z_j| before steering (the latent's scale).
  double mean_abs_code = 0;
  /// Σ|encode(x')_j − z_j| / Σ|z_j|; +∞ when a latent silent before fires after, 0 when neither.
  double relative_change = 0;
  /// Mean of (Δx · u_j)², the energy of the input change along j's unit decoder direction u_j.
  double input_energy = 0;
};

/// Side-effect table of one steering run (`side_effects`).
struct SideEffectReport {
  /// One row per latent, in latent order.
  std::vector<SideEffectRow> rows;
  /// Rows (samples) compared.
  Index samples = 0;
  /// Mean of `mean_abs_change` over the edited latents (0 when nothing is edited).
  double edited_mean_change = 0;
  /// Mean of `intended_change` over the edited latents.
  double edited_intended_change = 0;
  /// Mean of `mean_abs_change` over the latents no edit targets.
  double others_mean_change = 0;
  /// Largest `mean_abs_change` over the latents no edit targets, and that latent (-1 if none).
  double others_max_change = 0;
  Index others_max_latent = -1;  ///< Latent of `others_max_change`.
  /// Mean ‖x' − x‖² over the rows.
  double input_change_energy = 0;

  /// Latents no edit targets, sorted by decreasing `mean_abs_change`, at most `count` of them.
  [[nodiscard]] std::vector<Index> largest_side_effects(Index count) const {
    std::vector<Index> out;
    for (const auto& r : rows) {
      if (!r.edited) out.push_back(r.latent);
    }
    std::stable_sort(out.begin(), out.end(), [&](Index a, Index b) {
      return rows[static_cast<std::size_t>(a)].mean_abs_change >
             rows[static_cast<std::size_t>(b)].mean_abs_change;
    });
    if (count >= 0 && static_cast<Index>(out.size()) > count) {
      out.resize(static_cast<std::size_t>(count));
    }
    return out;
  }
};

/// Compares the codes of the inputs before and after steering, latent by latent.
///
/// `z = encode(x)`, `z' = apply_edits(z, edits)` (the intended codes), `z'' = encode(x_steered)`
/// (the codes the steered inputs actually have); row j of the report holds the mean |z'_j − z_j|,
/// the mean |z''_j − z_j| and the energy of `x_steered − x` along the decoder direction of j.
/// An ideal edit has `mean_abs_change == intended_change` on edited latents and 0 elsewhere.
///
/// @param[in] weights the model used for steering.
/// @param[in] x n × d inputs before steering.
/// @param[in] x_steered n × d inputs after steering (e.g. `intervene(...).x`).
/// @param[in] edits the edits that were applied (to mark edited latents and the intended change).
/// @param[in] batch_rows rows encoded at a time (>= 1).
/// @returns one row per latent plus summaries.
/// @throws invalid_argument on shape mismatches, an invalid edit or `batch_rows < 1`.
template <class Scalar, class DerivedA, class DerivedB>
[[nodiscard]] SideEffectReport side_effects(const SaeWeights<Scalar>& weights,
                                            const Eigen::MatrixBase<DerivedA>& x,
                                            const Eigen::MatrixBase<DerivedB>& x_steered,
                                            std::span<const Edit> edits, Index batch_rows = 4096) {
  weights.check();
  const Index m = weights.d_sae();
  const Index d = weights.d_in();
  if (x.cols() != d || x_steered.cols() != d || x.rows() != x_steered.rows()) {
    hilm::detail::raise<invalid_argument>(
        "side_effects: x is " + std::to_string(x.rows()) + " × " + std::to_string(x.cols()) +
        " and x_steered is " + std::to_string(x_steered.rows()) + " × " +
        std::to_string(x_steered.cols()) +
        "; both must be n × d_in with d_in = " + std::to_string(d));
  }
  if (batch_rows < 1) {
    hilm::detail::raise<invalid_argument>("side_effects: batch_rows must be >= 1, got " +
                                          std::to_string(batch_rows));
  }
  check_edits(edits, m);
  const Index n = x.rows();
  // Unit decoder directions (zero rows stay zero).
  Matrix<double> unit = weights.w_dec.template cast<double>().transpose();  // d × m
  for (Index j = 0; j < m; ++j) {
    const double norm = unit.col(j).norm();
    if (norm > 0) unit.col(j) /= norm;
  }
  Vector<double> intended = Vector<double>::Zero(m), achieved = Vector<double>::Zero(m);
  Vector<double> magnitude = Vector<double>::Zero(m), energy = Vector<double>::Zero(m);
  double change_energy = 0;
  for (Index r0 = 0; r0 < n; r0 += batch_rows) {
    const Index rows = std::min(batch_rows, n - r0);
    const RowMatrix<Scalar> before = x.middleRows(r0, rows).template cast<Scalar>();
    const RowMatrix<Scalar> after = x_steered.middleRows(r0, rows).template cast<Scalar>();
    const RowMatrix<Scalar> z = sae_encode(weights, before);
    RowMatrix<Scalar> wanted = z;
    apply_edits(wanted, edits);
    const RowMatrix<Scalar> got = sae_encode(weights, after);
    intended += (wanted - z).template cast<double>().cwiseAbs().colwise().sum().transpose();
    achieved += (got - z).template cast<double>().cwiseAbs().colwise().sum().transpose();
    magnitude += z.template cast<double>().cwiseAbs().colwise().sum().transpose();
    const Matrix<double> delta = (after - before).template cast<double>();
    change_energy += delta.squaredNorm();
    energy += (delta * unit).array().square().colwise().sum().matrix().transpose();
  }
  SideEffectReport report;
  report.samples = n;
  const double inv_n = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
  report.input_change_energy = change_energy * inv_n;
  const std::vector<Index> touched = edited_latents(edits);
  report.rows.resize(static_cast<std::size_t>(m));
  Index others = 0;
  for (Index j = 0; j < m; ++j) {
    SideEffectRow& row = report.rows[static_cast<std::size_t>(j)];
    row.latent = j;
    row.edited = std::binary_search(touched.begin(), touched.end(), j);
    row.intended_change = intended(j) * inv_n;
    row.mean_abs_change = achieved(j) * inv_n;
    row.mean_abs_code = magnitude(j) * inv_n;
    row.input_energy = energy(j) * inv_n;
    if (magnitude(j) > 0) {
      row.relative_change = achieved(j) / magnitude(j);
    } else {
      row.relative_change = achieved(j) > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    }
    if (row.edited) {
      report.edited_mean_change += row.mean_abs_change;
      report.edited_intended_change += row.intended_change;
    } else {
      ++others;
      report.others_mean_change += row.mean_abs_change;
      if (report.others_max_latent < 0 || row.mean_abs_change > report.others_max_change) {
        report.others_max_change = row.mean_abs_change;
        report.others_max_latent = j;
      }
    }
  }
  if (!touched.empty()) {
    report.edited_mean_change /= static_cast<double>(touched.size());
    report.edited_intended_change /= static_cast<double>(touched.size());
  }
  if (others > 0) report.others_mean_change /= static_cast<double>(others);
  return report;
}

/// How `atom_energy` splits a row into components along the atoms.
enum class AtomEnergyMethod {
  /// Least-squares coefficients on the atoms (`c = x Aᵀ (A Aᵀ)⁻¹`), component i = `c_i a_i`:
  /// exact for data generated as `x = c A` (planted models). Needs linearly independent atoms
  /// (k ≤ d).
  Coefficients,
  /// Projection on each unit atom, component i = `(x · â_i) â_i`: works for any (overcomplete)
  /// dictionary but counts overlapping atoms twice.
  Projection,
};

/// Energy along each atom of a dictionary, before, after and of the change (`atom_energy`).
/// Energies are means over the rows.
struct AtomEnergy {
  /// Length k: mean energy of the inputs' component along each atom.
  Vector<double> before;
  /// Length k: mean energy of the steered inputs' component along each atom.
  Vector<double> after;
  /// Length k: mean energy of the change's component along each atom.
  Vector<double> change;
  /// Coefficients only: mean energy of the part of the change outside the atoms' span (0 for
  /// Projection).
  double residual_change = 0;

  /// Fraction of atom i's energy gone after steering: 1 − after_i / before_i (0 if before_i = 0).
  [[nodiscard]] double removed_fraction(Index i) const {
    return before(i) > 0 ? 1.0 - after(i) / before(i) : 0.0;
  }
  /// Change of atom i relative to its energy: change_i / before_i (+∞ if before_i = 0 < change_i).
  [[nodiscard]] double relative_change(Index i) const {
    if (before(i) > 0) return change(i) / before(i);
    return change(i) > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
};

/// Energy of inputs, steered inputs and their difference along each atom of a dictionary.
/// @param[in] atoms k × d dictionary, one atom per row (e.g. `SparseLinearData::atoms`, or learned
///            `SaeWeights::w_dec`); rows need not be unit norm.
/// @param[in] x n × d inputs before steering.
/// @param[in] x_steered n × d inputs after steering.
/// @param[in] method `Coefficients` (default) or `Projection`.
/// @returns per-atom mean energies.
/// @throws invalid_argument on shape mismatches, a zero atom, or (Coefficients) linearly
///         dependent atoms.
template <class DerivedA, class DerivedX, class DerivedY>
[[nodiscard]] AtomEnergy atom_energy(const Eigen::MatrixBase<DerivedA>& atoms,
                                     const Eigen::MatrixBase<DerivedX>& x,
                                     const Eigen::MatrixBase<DerivedY>& x_steered,
                                     AtomEnergyMethod method = AtomEnergyMethod::Coefficients) {
  const Index k = atoms.rows(), d = atoms.cols(), n = x.rows();
  if (k < 1 || x.cols() != d || x_steered.cols() != d || x_steered.rows() != n) {
    hilm::detail::raise<invalid_argument>(
        "atom_energy: atoms are " + std::to_string(k) + " × " + std::to_string(d) + ", x is " +
        std::to_string(x.rows()) + " × " + std::to_string(x.cols()) + ", x_steered is " +
        std::to_string(x_steered.rows()) + " × " + std::to_string(x_steered.cols()) +
        "; expected k >= 1 atoms and two n × d matrices");
  }
  const Matrix<double> a = atoms.template cast<double>();
  const Vector<double> norms = a.rowwise().norm();
  for (Index i = 0; i < k; ++i) {
    if (!(norms(i) > 0)) {
      hilm::detail::raise<invalid_argument>("atom_energy: atom " + std::to_string(i) + " is zero");
    }
  }
  const Matrix<double> xb = x.template cast<double>();
  const Matrix<double> xa = x_steered.template cast<double>();
  const Matrix<double> delta = xa - xb;
  AtomEnergy out;
  const double inv_n = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
  if (method == AtomEnergyMethod::Projection) {
    const Matrix<double> unit = norms.cwiseInverse().asDiagonal() * a;  // k × d
    out.before = (xb * unit.transpose()).array().square().colwise().sum().transpose() * inv_n;
    out.after = (xa * unit.transpose()).array().square().colwise().sum().transpose() * inv_n;
    out.change = (delta * unit.transpose()).array().square().colwise().sum().transpose() * inv_n;
    return out;
  }
  if (k > d) {
    hilm::detail::raise<invalid_argument>(
        "atom_energy: " + std::to_string(k) + " atoms in dimension " + std::to_string(d) +
        " are linearly dependent; use AtomEnergyMethod::Projection");
  }
  // Normal equations on the k × k Gram matrix: small (k ≤ d) and well conditioned for
  // incoherent atoms; singular Grams are refused below.
  const Matrix<double> gram = a * a.transpose();
  const Eigen::LDLT<Matrix<double>> ldlt(gram);
  if (ldlt.info() != Eigen::Success || !(ldlt.rcond() > 1e-12)) {
    hilm::detail::raise<invalid_argument>(
        "atom_energy: the atoms are (numerically) linearly dependent; use "
        "AtomEnergyMethod::Projection");
  }
  const Matrix<double> cb = ldlt.solve(a * xb.transpose()).transpose();  // n × k
  const Matrix<double> ca = ldlt.solve(a * xa.transpose()).transpose();
  const Vector<double> sq = norms.array().square().matrix();
  out.before = cb.array().square().colwise().sum().transpose().matrix().cwiseProduct(sq) * inv_n;
  out.after = ca.array().square().colwise().sum().transpose().matrix().cwiseProduct(sq) * inv_n;
  const Matrix<double> dc = ca - cb;
  out.change = dc.array().square().colwise().sum().transpose().matrix().cwiseProduct(sq) * inv_n;
  out.residual_change = (delta - dc * a).squaredNorm() * inv_n;
  return out;
}

/// The report as a fixed-width text table: a summary line, then the edited latents and the
/// `max_rows` − (edited) latents with the largest side effects (all rows when `max_rows < 0`).
[[nodiscard]] inline std::string format_text(const SideEffectReport& report, Index max_rows = 10) {
  std::string out = "samples " + std::to_string(report.samples) + "; edited latents: mean change " +
                    detail::json_number(report.edited_mean_change) + " (intended " +
                    detail::json_number(report.edited_intended_change) +
                    "); other latents: mean change " +
                    detail::json_number(report.others_mean_change) + ", largest " +
                    detail::json_number(report.others_max_change) + " (latent " +
                    std::to_string(report.others_max_latent) + ")\n";
  out += "  latent edited    intended    achieved    mean|z_j|    relative input_energy\n";
  for (Index j : detail::shown_rows(report, max_rows)) {
    const SideEffectRow& r = report.rows[static_cast<std::size_t>(j)];
    char head[32];
    std::snprintf(head, sizeof head, "%8ld %6s", static_cast<long>(r.latent),
                  r.edited ? "yes" : "no");
    out += head;
    for (double v : {r.intended_change, r.mean_abs_change, r.mean_abs_code, r.relative_change,
                     r.input_energy}) {
      out += detail::text_number(v);
    }
    out += '\n';
  }
  return out;
}

/// The report as one JSON object: the summaries and a `"rows"` array (edited latents first, then
/// the largest side effects; all latents when `max_rows < 0`). Non-finite numbers are `null`.
[[nodiscard]] inline std::string format_json(const SideEffectReport& report, Index max_rows = -1) {
  using detail::json_number;
  std::string out = "{\"samples\": " + std::to_string(report.samples) +
                    ", \"edited_mean_change\": " + json_number(report.edited_mean_change) +
                    ", \"edited_intended_change\": " + json_number(report.edited_intended_change) +
                    ", \"others_mean_change\": " + json_number(report.others_mean_change) +
                    ", \"others_max_change\": " + json_number(report.others_max_change) +
                    ", \"others_max_latent\": " + std::to_string(report.others_max_latent) +
                    ", \"input_change_energy\": " + json_number(report.input_change_energy) +
                    ", \"rows\": [";
  bool first = true;
  for (Index j : detail::shown_rows(report, max_rows)) {
    const SideEffectRow& r = report.rows[static_cast<std::size_t>(j)];
    out += first ? "" : ", ";
    first = false;
    out += "{\"latent\": " + std::to_string(r.latent) +
           ", \"edited\": " + (r.edited ? "true" : "false") +
           ", \"intended_change\": " + json_number(r.intended_change) +
           ", \"mean_abs_change\": " + json_number(r.mean_abs_change) +
           ", \"mean_abs_code\": " + json_number(r.mean_abs_code) +
           ", \"relative_change\": " + json_number(r.relative_change) +
           ", \"input_energy\": " + json_number(r.input_energy) + "}";
  }
  out += "]}";
  return out;
}

}  // namespace hilm

#endif  // HILM_STEER_SIDE_EFFECTS_HPP
