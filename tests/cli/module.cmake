# The CLI tests run the built `hilm` binary.
if(TARGET hilm_cli)
  add_dependencies(${_target} hilm_cli)
  target_compile_definitions(${_target} PRIVATE HILM_CLI_PATH="$<TARGET_FILE:hilm_cli>")
  find_package(nlohmann_json 3 REQUIRED)
  target_link_libraries(${_target} PRIVATE nlohmann_json::nlohmann_json)
endif()
# The SVG plot writer is a tool source without a library of its own: compile it in.
target_sources(${_target} PRIVATE ${PROJECT_SOURCE_DIR}/tools/hilm/svg_plot.cpp)
target_include_directories(${_target} PRIVATE ${PROJECT_SOURCE_DIR}/tools/hilm)

# `hilm demo --case esrgan` needs the fetched ESRGAN model (scripts/fetch-models.sh): without it
# the [needs-esrgan] cases are left out and one skipped entry says so (same rule as tests/models).
if(NOT DEFINED HILM_MODELS_DIR)
  if(DEFINED ENV{HILM_MODELS_DIR})
    set(HILM_MODELS_DIR "$ENV{HILM_MODELS_DIR}")
  elseif(DEFINED ENV{XDG_CACHE_HOME})
    set(HILM_MODELS_DIR "$ENV{XDG_CACHE_HOME}/hilm/models")
  else()
    set(HILM_MODELS_DIR "$ENV{HOME}/.cache/hilm/models")
  endif()
endif()
target_compile_definitions(${_target} PRIVATE HILM_MODELS_DIR="${HILM_MODELS_DIR}")
if(NOT EXISTS "${HILM_MODELS_DIR}/esrgan/models/x4/model.json")
  string(APPEND _hilm_extra_spec "~[needs-esrgan]")
  set(_hilm_skip_message "cli: esrgan not fetched, its tests are skipped (run \
scripts/fetch-models.sh)")
  add_test(NAME "${_hilm_skip_message}" COMMAND sh -c "echo '${_hilm_skip_message}'; exit 77")
  set_tests_properties("${_hilm_skip_message}" PROPERTIES LABELS cli SKIP_RETURN_CODE 77)
endif()
