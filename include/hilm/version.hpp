/// @file
/// hilm's version. CMake parses the three macros below, so the header tree works without CMake.
#ifndef HILM_VERSION_HPP
#define HILM_VERSION_HPP

#define HILM_VERSION_MAJOR 0
#define HILM_VERSION_MINOR 1
#define HILM_VERSION_PATCH 0

namespace hilm {

/// The library version as "MAJOR.MINOR.PATCH".
inline constexpr const char* version_string = "0.1.0";

}  // namespace hilm

#endif  // HILM_VERSION_HPP
