#side_effects_test.cpp parses format_json's output with nlohmann_json.
find_package(nlohmann_json 3 REQUIRED)
    target_link_libraries(${_target} PRIVATE nlohmann_json::nlohmann_json)
