# hilm_test_models: the real networks (include/hilm/models). Their weights are not in the
# repository: scripts/fetch-models.sh puts them in a cache directory. A model absent at configure
# time gets one ctest entry that reports it as skipped (exit code 77, SKIP_RETURN_CODE), and the
# Catch2 cases tagged [needs-<model>] are left out of the discovered tests.
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(${_target} PRIVATE nlohmann_json::nlohmann_json)

if(DEFINED ENV{HILM_MODELS_DIR})
  set(_hilm_models_default "$ENV{HILM_MODELS_DIR}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(_hilm_models_default "$ENV{XDG_CACHE_HOME}/hilm/models")
else()
  set(_hilm_models_default "$ENV{HOME}/.cache/hilm/models")
endif()
set(HILM_MODELS_DIR "${_hilm_models_default}" CACHE PATH
    "Directory of the fetched real models (scripts/fetch-models.sh)")
target_compile_definitions(${_target} PRIVATE HILM_MODELS_DIR="${HILM_MODELS_DIR}")

foreach(_hilm_model IN ITEMS "use-lite|dist/model.json" "esrgan|models/x4/model.json")
  string(REPLACE "|" ";" _hilm_model "${_hilm_model}")
  list(GET _hilm_model 0 _hilm_model_name)
  list(GET _hilm_model 1 _hilm_model_file)
  if(NOT EXISTS "${HILM_MODELS_DIR}/${_hilm_model_name}/${_hilm_model_file}")
    string(APPEND _hilm_extra_spec "~[needs-${_hilm_model_name}]")
    set(_hilm_skip_message "models: ${_hilm_model_name} not fetched, its tests are skipped (run \
scripts/fetch-models.sh)")
    add_test(NAME "${_hilm_skip_message}"
             COMMAND sh -c "echo '${_hilm_skip_message}'; exit 77")
    set_tests_properties("${_hilm_skip_message}" PROPERTIES LABELS "${_module}"
                         SKIP_RETURN_CODE 77)
  endif()
endforeach()
