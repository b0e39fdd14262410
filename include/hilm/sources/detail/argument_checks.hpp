/// @file
/// The argument checks the built-in sources share (`MatrixSource`, `MappedSource`,
/// `GeneratorSource`, `IndexedGeneratorSource`): batch buffer of `read`, row of `seek`, width of
/// a generated source. Each names the calling function in its message.
#ifndef HILM_SOURCES_DETAIL_ARGUMENT_CHECKS_HPP
#define HILM_SOURCES_DETAIL_ARGUMENT_CHECKS_HPP

#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Throws `invalid_argument` unless `out` is a usable batch buffer for a source of width `dim`:
/// `out.cols() == dim` and `out.rows() >= 1` (a 0-row buffer could not tell "no room" from "pass
/// ended"). `who` names the calling function in the message.
template <class Scalar>
void check_read_buffer(const Eigen::Ref<RowMatrix<Scalar>>& out, Index dim, const char* who) {
  if (out.cols() != dim) [[unlikely]] {
    raise<invalid_argument>(std::string(who) + ": parameter `out` has " +
                            std::to_string(out.cols()) +
                            " columns; expected dim() = " + std::to_string(dim));
  }
  if (out.rows() < 1) [[unlikely]] {
    raise<invalid_argument>(std::string(who) +
                            ": parameter `out` has 0 rows; expected at least 1 row of room");
  }
}

/// Throws `invalid_argument` unless `0 <= row <= rows` (seeking to `rows` ends the pass).
inline void check_seek_row(Index row, Index rows, const char* who) {
  if (row < 0 || row > rows) [[unlikely]] {
    raise<invalid_argument>(std::string(who) + ": parameter `row` = " + std::to_string(row) +
                            " is outside [0, size()] = [0, " + std::to_string(rows) + "]");
  }
}

/// Returns `dim`; throws `invalid_argument` if it is negative. `who` names the calling
/// constructor in the message.
inline Index checked_generator_dim(Index dim, const char* who) {
  if (dim < 0) {
    raise<invalid_argument>(std::string(who) + ": parameter `dim` = " + std::to_string(dim) +
                            " is negative");
  }
  return dim;
}

}  // namespace hilm::detail

#endif  // HILM_SOURCES_DETAIL_ARGUMENT_CHECKS_HPP
