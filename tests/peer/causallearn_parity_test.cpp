// Parity with causal-learn (py-why/causal-learn @ e30895b): every row of
// causallearn_reference_pvalues.csv and the 4-decimal KCI table of tests/TestCIT_KCI.py.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>

#include <hilm/stats/discrete.hpp>
#include <hilm/stats/fisher_z.hpp>
#include <hilm/stats/kci.hpp>

#include "peer/peer_data.hpp"
#include "support/catch.hpp"

namespace {

using hilm::Index;
using hilm::test::ReferenceRow;

hilm::KciOptions kci_options_from(const std::string& settings) {
  using namespace hilm;
  KciOptions o;
  auto has = [&](const char* s) { return settings.find(s) != std::string::npos; };
  if (has("kernel=Polynomial")) o.kernel_x = o.kernel_y = o.kernel_z = KernelKind::Polynomial;
  if (has("kernel=Linear")) o.kernel_x = o.kernel_y = o.kernel_z = KernelKind::Linear;
  o.polynomial_degree = has("polyd=1") ? 1 : 2;
  if (has("est_width=median")) o.width = KciWidth::Median;
  if (has("est_width=manual")) {
    o.width = KciWidth::Manual;
    const auto at = settings.find("kwidth=");
    o.width_x = o.width_y = o.width_z = std::stod(settings.substr(at + 7));
  }
  return o;
}

}  // namespace

TEST_CASE("peer: Fisher-z, chi-square and G-square match causal-learn on every reference row",
          "[peer][stats]") {
  const auto rows = hilm::test::reference_rows();
  std::map<std::string, std::unique_ptr<hilm::FisherZTest>> fisher;
  std::map<std::string, std::unique_ptr<hilm::DiscreteCiTest>> chisq;
  std::map<std::string, std::unique_ptr<hilm::DiscreteCiTest>> gsq;
  int checked = 0;
  for (const ReferenceRow& r : rows) {
    if (r.test == "kci") continue;
    const auto& data = hilm::test::peer_matrix(r.data_file);
    double p = 0;
    // Absolute floor: causal-learn computes Fisher-z p-values as 2 * (1 - norm.cdf(z)), whose
    // rounding error is about 2^-52 in absolute terms (its small p-values are multiples of it,
    // or 0). scipy's chi2.sf is accurate in the tail, so the χ² rows only get an underflow floor.
    double floor = 1e-300;
    if (r.test == "fisherz") {
      auto& t = fisher[r.data_file];
      if (!t) t = std::make_unique<hilm::FisherZTest>(data);
      p = t->test(r.x, r.y, r.z).p_value;
      floor = 5e-16;
    } else if (r.test == "chisq") {
      auto& t = chisq[r.data_file];
      if (!t) t = std::make_unique<hilm::DiscreteCiTest>(hilm::chi_square_test(data));
      p = t->test(r.x, r.y, r.z).p_value;
    } else {
      REQUIRE(r.test == "gsq");
      auto& t = gsq[r.data_file];
      if (!t) t = std::make_unique<hilm::DiscreteCiTest>(hilm::g_square_test(data));
      p = t->test(r.x, r.y, r.z).p_value;
    }
    INFO(r.test << " " << r.data_file << " x=" << r.x << " y=" << r.y << " |S|=" << r.z.size()
                << " reference " << r.p_value << " hilm " << p);
    CHECK(std::abs(p - r.p_value) <= std::max(1e-9 * r.p_value, floor));
    ++checked;
  }
  CHECK(checked == 165 + 165 + 616 + 165 + 9);
}

TEST_CASE("peer: KCI gamma approximation matches causal-learn on every reference row",
          "[peer][stats]") {
  const auto rows = hilm::test::reference_rows();
  int checked = 0;
  for (const ReferenceRow& r : rows) {
    if (r.test != "kci") continue;
    const auto& data = hilm::test::peer_matrix(r.data_file);
    // The default (automatic) path, and each of the dense and factored paths forced.
    for (const auto method :
         {hilm::KciMethod::Automatic, hilm::KciMethod::Dense, hilm::KciMethod::Factored}) {
      auto options = kci_options_from(r.settings);
      options.method = method;
      const hilm::KciTest kci(data, options);
      const double p = kci.test(r.x, r.y, r.z).p_value;
      INFO(r.data_file << " x=" << r.x << " y=" << r.y << " |S|=" << r.z.size() << " " << r.settings
                       << " method " << static_cast<int>(method) << " reference " << r.p_value
                       << " hilm " << p);
      // causal-learn returns 1 - gamma.cdf(...): absolute rounding error ~1e-16.
      CHECK(std::abs(p - r.p_value) <= std::max(1e-6 * r.p_value, 1e-15));
    }
    ++checked;
  }
  CHECK(checked == 96);
}

namespace {

// One configuration of TestCIT_KCI.py restricted to use_gp=False, approx=True (the entries that
// do not depend on numpy's random stream or scikit-learn's GP fit), with the asserted 4-decimal
// p-values of X⫫X', X⫫Z and X⫫Z|Y.
struct KciTableRow {
  hilm::KernelKind kernel;
  hilm::KciWidth width;
  double kwidth;
  int polyd;
  double p01, p03, p032;
};

void check_kci_table(const std::string& file, const std::vector<KciTableRow>& table) {
  const auto& data = hilm::test::peer_matrix(file);
  for (const auto& row : table) {
    hilm::KciOptions o;
    o.kernel_x = o.kernel_y = o.kernel_z = row.kernel;
    o.width = row.width;
    o.width_x = o.width_y = o.width_z = row.kwidth;
    o.polynomial_degree = row.polyd;
    const hilm::KciTest kci(data, o);
    const Index y_only[1] = {2};
    const double p01 = kci.test(0, 1, {}).p_value;
    const double p03 = kci.test(0, 3, {}).p_value;
    const double p032 = kci.test(0, 3, y_only).p_value;
    INFO(file << " kernel " << static_cast<int>(row.kernel) << " width "
              << static_cast<int>(row.width) << " kwidth " << row.kwidth << " polyd " << row.polyd
              << ": " << p01 << " " << p03 << " " << p032);
    // Python's round(p, 4) == value  <=>  |p - value| <= 5e-5 (ties aside).
    CHECK(std::abs(p01 - row.p01) <= 5e-5 + 1e-12);
    CHECK(std::abs(p03 - row.p03) <= 5e-5 + 1e-12);
    CHECK(std::abs(p032 - row.p032) <= 5e-5 + 1e-12);
  }
}

}  // namespace

TEST_CASE("peer: KCI reproduces the asserted table of causal-learn's TestCIT_KCI.py",
          "[peer][stats]") {
  using K = hilm::KernelKind;
  using W = hilm::KciWidth;
  // Entries use_gp=False, approx=True of pvalue01_truth / pvalue03_truth / pvalue032_truth.
  check_kci_table("causallearn_kci_gaussian_300x4.csv",
                  {{K::Gaussian, W::Empirical, 0.05, 2, 0.5404, 0.0, 0.5807},
                   {K::Gaussian, W::Median, 0.05, 2, 0.6106, 0.0, 0.6179},
                   {K::Gaussian, W::Manual, 0.05, 2, 0.4664, 0.0034, 0.0023},
                   {K::Gaussian, W::Manual, 0.1, 2, 0.6452, 0.0, 0.0835},
                   {K::Gaussian, W::Manual, 0.2, 2, 0.7733, 0.0, 0.6973},
                   {K::Polynomial, W::Empirical, 0.05, 1, 0.2745, 0.0, 0.9111},
                   {K::Polynomial, W::Empirical, 0.05, 2, 0.1613, 0.0, 0.247},
                   {K::Linear, W::Empirical, 0.05, 2, 0.2745, 0.0, 0.9111}});
  check_kci_table("causallearn_kci_exponential_300x4.csv",
                  {{K::Gaussian, W::Empirical, 0.05, 2, 0.8513, 0.0, 0.4076},
                   {K::Gaussian, W::Median, 0.05, 2, 0.5809, 0.0, 0.6756},
                   {K::Gaussian, W::Manual, 0.05, 2, 0.4553, 0.0, 0.0052},
                   {K::Gaussian, W::Manual, 0.1, 2, 0.4201, 0.0, 0.1631},
                   {K::Gaussian, W::Manual, 0.2, 2, 0.8815, 0.0, 0.4175},
                   {K::Polynomial, W::Empirical, 0.05, 1, 0.8219, 0.0, 0.7353},
                   {K::Polynomial, W::Empirical, 0.05, 2, 0.5496, 0.0, 0.515},
                   {K::Linear, W::Empirical, 0.05, 2, 0.8219, 0.0, 0.7353}});
}
