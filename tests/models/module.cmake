# hilm_test_models: the real networks of issue 15. model.json parsing needs nlohmann-json (an
# optional integration); cases tagged [needs-use-lite] / [needs-esrgan] need a fetched model and
# are skipped, visibly, without it (tests/support/models.cmake).
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(${_target} PRIVATE nlohmann_json::nlohmann_json)
include("${CMAKE_CURRENT_SOURCE_DIR}/support/models.cmake")
hilm_models_require(models use-lite "use-lite/dist/model.json")
hilm_models_require(models esrgan "esrgan/models/x4/model.json")
