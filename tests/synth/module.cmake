# hilm/synth/synth_sae_bench_io.hpp reads and writes truth.json through nlohmann_json.
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(${_target} PRIVATE nlohmann_json::nlohmann_json)
