/// @file
/// Meek's orientation rules R1–R4 (C. Meek, "Causal inference and causal explanation with
/// background knowledge", UAI 1995, §2.2 and Figure 2), applied to a partially directed graph
/// until no rule fires. R1–R3 are complete for a pattern (a skeleton with its v-structures);
/// R4 is needed once background knowledge has oriented further edges.
#ifndef HILM_GRAPH_MEEK_HPP
#define HILM_GRAPH_MEEK_HPP

#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm {

/// Options of `apply_meek_rules`.
struct MeekOptions {
  /// Also apply rule 4 (needed with background knowledge; never fires on a pattern).
  bool rule4 = true;
};

/// Orients undirected edges a — b into a → b by Meek's rules until none applies:
/// - R1: c → a, c and b non-adjacent;
/// - R2: a → c → b;
/// - R3: a — c → b and a — d → b with c, d non-adjacent;
/// - R4: a — d → c → b with a adjacent to c, and d, b non-adjacent.
/// Directed and bidirected edges are left as they are (bidirected edges are not used as
/// premises).
/// @param[in,out] g the graph to orient.
/// @returns the number of edges oriented.
inline Index apply_meek_rules(Graph& g, const MeekOptions& options = {}) {
  const Index n = g.size();
  Index oriented = 0;
  auto r1 = [&](Index a, Index b) {
    for (Index c = 0; c < n; ++c) {
      if (c != b && g.is_directed(c, a) && !g.adjacent(c, b)) return true;
    }
    return false;
  };
  auto r2 = [&](Index a, Index b) {
    for (Index c = 0; c < n; ++c) {
      if (g.is_directed(a, c) && g.is_directed(c, b)) return true;
    }
    return false;
  };
  auto r3 = [&](Index a, Index b) {
    for (Index c = 0; c < n; ++c) {
      if (!g.is_undirected(a, c) || !g.is_directed(c, b)) continue;
      for (Index d = c + 1; d < n; ++d) {
        if (g.is_undirected(a, d) && g.is_directed(d, b) && !g.adjacent(c, d)) return true;
      }
    }
    return false;
  };
  auto r4 = [&](Index a, Index b) {
    for (Index c = 0; c < n; ++c) {
      if (c == a || !g.is_directed(c, b) || !g.adjacent(a, c)) continue;
      for (Index d = 0; d < n; ++d) {
        if (d != b && d != c && g.is_directed(d, c) && g.adjacent(a, d) && !g.adjacent(d, b)) {
          return true;
        }
      }
    }
    return false;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (Index a = 0; a < n; ++a) {
      for (Index b = 0; b < n; ++b) {
        if (a == b || !g.is_undirected(a, b)) continue;
        if (r1(a, b) || r2(a, b) || r3(a, b) || (options.rule4 && r4(a, b))) {
          g.orient(a, b);
          ++oriented;
          changed = true;
        }
      }
    }
  }
  return oriented;
}

}  // namespace hilm

#endif  // HILM_GRAPH_MEEK_HPP
