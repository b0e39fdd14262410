# hilm_test_io: the .safetensors reader/writer needs nlohmann-json (an optional integration).
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(${_target} PRIVATE nlohmann_json::nlohmann_json)
