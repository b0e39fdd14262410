# The real networks of issue 15 (fetched by scripts/fetch-models.sh, never committed): where their
# cache lives, and how a test module whose cases need one is wired. Included by the module.cmake of
# tests/models/ and tests/cli/.
#
# HILM_MODELS_DIR (cache variable): default $ENV{HILM_MODELS_DIR}, else
# $ENV{XDG_CACHE_HOME}/hilm/models, else $ENV{HOME}/.cache/hilm/models — the directory
# scripts/fetch-models.sh fills. It reaches the test executable as the compile definition
# HILM_MODELS_DIR="...".
#
# Catch2 tag [needs-use-lite] marks cases that need <dir>/use-lite/dist/model.json, [needs-esrgan]
# those that need <dir>/esrgan/models/x4/model.json. For every model absent at configure time its
# tag is appended to _hilm_extra_spec (tests/CMakeLists.txt adds it to the TEST_SPEC of
# catch_discover_tests, so those cases are not registered) and one ctest entry is added that prints
# why and exits 77, which SKIP_RETURN_CODE makes ctest report as skipped, never as passed.
if(DEFINED ENV{HILM_MODELS_DIR} AND NOT "$ENV{HILM_MODELS_DIR}" STREQUAL "")
  set(_hilm_models_default "$ENV{HILM_MODELS_DIR}")
elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_hilm_models_default "$ENV{XDG_CACHE_HOME}/hilm/models")
else()
  set(_hilm_models_default "$ENV{HOME}/.cache/hilm/models")
endif()
set(HILM_MODELS_DIR "${_hilm_models_default}" CACHE PATH
    "Cache of the real models fetched by scripts/fetch-models.sh (tests that need one are skipped without it)")

# hilm_models_require(<module> <model name> <file relative to HILM_MODELS_DIR>)
macro(hilm_models_require _hm_module _hm_name _hm_file)
  target_compile_definitions(${_target} PRIVATE HILM_MODELS_DIR="${HILM_MODELS_DIR}")
  if(NOT EXISTS "${HILM_MODELS_DIR}/${_hm_file}")
    string(APPEND _hilm_extra_spec "~[needs-${_hm_name}]")
    set(_hm_test "${_hm_module}: ${_hm_name} not fetched, its tests are skipped (run scripts/fetch-models.sh)")
    add_test(NAME "${_hm_test}"
             COMMAND sh -c "echo '${HILM_MODELS_DIR}/${_hm_file} is absent: ${_hm_test}'; exit 77")
    set_tests_properties("${_hm_test}" PROPERTIES SKIP_RETURN_CODE 77 LABELS "${_hm_module}")
  endif()
endmacro()
