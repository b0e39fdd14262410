// Loading of the peer fixtures in tests/data/peer (see tests/data/peer/README.md).
#ifndef HILM_TESTS_PEER_PEER_DATA_HPP
#define HILM_TESTS_PEER_PEER_DATA_HPP

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <hilm/core/types.hpp>
#include <hilm/io/delimited.hpp>

namespace hilm::test {

inline std::string peer_path(const std::string& file) {
  return std::string(HILM_TEST_DATA_DIR) + "/peer/" + file;
}

/// A peer data file as doubles (header row of names detected and skipped).
inline const RowMatrix<double>& peer_matrix(const std::string& file) {
  static std::map<std::string, RowMatrix<double>> cache;  // tests of one file run sequentially
  auto it = cache.find(file);
  if (it == cache.end())
    it = cache.emplace(file, hilm::read_delimited<double>(peer_path(file)).data).first;
  return it->second;
}

/// One row of causallearn_reference_pvalues.csv.
struct ReferenceRow {
  std::string test, data_file, settings;
  Index x = 0, y = 0;
  std::vector<Index> z;
  double p_value = 0;
};

/// All rows of causallearn_reference_pvalues.csv (columns: test, data_file, x, y, S, settings,
/// p_value; S is space-separated).
inline std::vector<ReferenceRow> reference_rows() {
  std::ifstream in(peer_path("causallearn_reference_pvalues.csv"));
  std::string line;
  std::getline(in, line);  // header
  std::vector<ReferenceRow> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::string cell;
    std::istringstream split(line);
    while (std::getline(split, cell, ',')) f.push_back(cell);
    if (line.back() == ',') f.emplace_back();
    ReferenceRow r;
    r.test = f.at(0);
    r.data_file = f.at(1);
    r.x = std::stol(f.at(2));
    r.y = std::stol(f.at(3));
    std::istringstream zs(f.at(4));
    Index k = 0;
    while (zs >> k) r.z.push_back(k);
    r.settings = f.at(5);
    r.p_value = std::strtod(f.at(6).c_str(), nullptr);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_PEER_PEER_DATA_HPP
