/// @file
/// Implementation of `hilm/steer/model_steering.hpp`: the layer edits and the nearest-neighbour
/// read-out.
#ifndef HILM_STEER_DETAIL_MODEL_STEERING_HPP
#define HILM_STEER_DETAIL_MODEL_STEERING_HPP

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm::detail {

inline void check_edit_width(Index cols, Index expected, const char* what) {
  if (cols != expected) {
    raise<invalid_argument>(std::string(what) + ": the layer has " + std::to_string(cols) +
                            " columns but the direction has " + std::to_string(expected));
  }
}

/// Adds `amount · direction` to every row.
struct AddDirection {
  Vector<float> direction;
  float amount = 0;
  void operator()(Eigen::Ref<RowMatrix<float>> x) const {
    check_edit_width(x.cols(), direction.size(), "add_direction_edit");
    const Eigen::RowVectorXf step = amount * direction.transpose();
    x.rowwise() += step;
  }
};

/// x ← x − z_j(x) · d_j (d_j in input units: W_dec row j divided by the input scale).
template <class Scalar>
struct AblateLatent {
  SaeWeights<Scalar> weights;
  Index latent = 0;
  void operator()(Eigen::Ref<RowMatrix<float>> x) const {
    check_edit_width(x.cols(), weights.d_in(), "ablation_edit");
    const RowMatrix<Scalar> xs = x.template cast<Scalar>();
    const RowMatrix<Scalar> z = sae_encode(weights, xs);
    const Eigen::Matrix<Scalar, 1, Eigen::Dynamic> d =
        weights.w_dec.row(latent) / weights.input_scale;
    for (Index i = 0; i < x.rows(); ++i) {
      const Scalar zi = z(i, latent);
      if (zi != Scalar(0)) x.row(i) -= (zi * d).template cast<float>();
    }
  }
};

inline Vector<float> checked_unit(const Eigen::Ref<const Vector<float>>& direction, Index width,
                                  const std::string& layer) {
  if (direction.size() != width) {
    raise<invalid_argument>("steering_curve: the direction has " +
                            std::to_string(direction.size()) + " entries but layer '" + layer +
                            "' has width " + std::to_string(width));
  }
  const double n = direction.cast<double>().norm();
  if (!(n > 0 && std::isfinite(n))) {
    raise<invalid_argument>("steering_curve: the direction is zero or not finite");
  }
  return (direction.cast<double>() / n).cast<float>();
}

inline bool bit_identical(const RowMatrix<float>& a, const RowMatrix<float>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 ||
          std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0);
}

inline RowMatrix<double> unit_rows(const Eigen::Ref<const RowMatrix<float>>& x) {
  RowMatrix<double> u = x.cast<double>();
  for (Index i = 0; i < u.rows(); ++i) {
    const double n = u.row(i).norm();
    if (n > 0) u.row(i) /= n;
  }
  return u;
}

inline std::vector<double> nearest_flag_fraction(
    const Eigen::Ref<const RowMatrix<float>>& queries,
    const Eigen::Ref<const RowMatrix<float>>& reference, const std::vector<bool>& flags, Index k,
    const std::vector<Index>& exclude) {
  const Index n = reference.rows();
  if (queries.cols() != reference.cols()) {
    raise<invalid_argument>("on_concept_fraction: queries have " + std::to_string(queries.cols()) +
                            " columns, the reference " + std::to_string(reference.cols()));
  }
  if (static_cast<Index>(flags.size()) != n) {
    raise<invalid_argument>("on_concept_fraction: " + std::to_string(flags.size()) + " flags for " +
                            std::to_string(n) + " reference rows");
  }
  const Index usable = n - (exclude.empty() ? 0 : 1);
  if (k < 1 || k > usable) {
    raise<invalid_argument>("on_concept_fraction: k = " + std::to_string(k) + " is outside [1, " +
                            std::to_string(usable) + "]");
  }
  if (!exclude.empty() && static_cast<Index>(exclude.size()) != queries.rows()) {
    raise<invalid_argument>("on_concept_fraction: exclude has " + std::to_string(exclude.size()) +
                            " entries for " + std::to_string(queries.rows()) + " queries");
  }
  const RowMatrix<double> q = unit_rows(queries), r = unit_rows(reference);
  std::vector<double> out;
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < q.rows(); ++i) {
    const Eigen::VectorXd cosine = r * q.row(i).transpose();
    const Index skip = exclude.empty() ? -1 : exclude[static_cast<std::size_t>(i)];
    std::iota(order.begin(), order.end(), Index{0});
    if (skip >= 0 && skip < n) order.erase(order.begin() + skip);
    // Ties broken by the lower row index, so the result does not depend on the sort.
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](Index a, Index b) {
      return cosine(a) != cosine(b) ? cosine(a) > cosine(b) : a < b;
    });
    if (skip >= 0 && skip < n) order.push_back(skip);
    Index hits = 0;
    for (Index t = 0; t < k; ++t)
      hits += flags[static_cast<std::size_t>(order[static_cast<std::size_t>(t)])] ? 1 : 0;
    out.push_back(static_cast<double>(hits) / static_cast<double>(k));
  }
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_STEER_DETAIL_MODEL_STEERING_HPP
