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
# `hilm extract` and `hilm demo --case use-lite|esrgan` tests need the fetched models (tags
# [needs-use-lite], [needs-esrgan]; skipped, visibly, without them).
include("${CMAKE_CURRENT_SOURCE_DIR}/support/models.cmake")
hilm_models_require(cli use-lite "use-lite/dist/model.json")
hilm_models_require(cli esrgan "esrgan/models/x4/model.json")
