# Thin wrapper around CMake. The two commands of README.md:
#   make run    the main job (builds the tool and examples, runs them)
#   make test   builds and runs the whole test suite
# Each installs missing Debian packages first; re-running rebuilds only what changed.
JOBS ?= $(shell nproc)
BUILD ?= build
CMAKE_FLAGS ?=

BASE_DEPS := cmake make g++ libeigen3-dev libcli11-dev nlohmann-json3-dev graphviz
TEST_DEPS := $(BASE_DEPS) catch2
FUZZ_DEPS := $(TEST_DEPS) clang libclang-rt-14-dev
BENCH_DEPS := $(BASE_DEPS) libbenchmark-dev

.PHONY: run test test-sanitize fuzz bench format format-check deps clean

deps:
	@scripts/install-deps.sh $(TEST_DEPS)

# The configure step only reruns when CMake decides it must; builds are incremental.
$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DHILM_ENABLE_ASSERTS=ON -DHILM_WERROR=ON -DHILM_NATIVE=ON $(CMAKE_FLAGS)

run:
	@scripts/install-deps.sh $(BASE_DEPS)
	@$(MAKE) --no-print-directory $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target hilm_cli hilm_examples
	scripts/main-job.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure

test-sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-sanitize \
	  CMAKE_FLAGS="-DHILM_SANITIZE=ON -DHILM_NATIVE=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)" test

# libFuzzer targets with ASan/UBSan; FUZZ_SECONDS per parser (default 60).
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps.sh $(FUZZ_DEPS)
	scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

bench:
	@scripts/install-deps.sh $(BENCH_DEPS)
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DHILM_BUILD_BENCHMARKS=ON -DHILM_BUILD_TESTS=OFF
	cmake --build build-bench -j $(JOBS) --target hilm_bench
	build-bench/benchmarks/hilm_bench

format:
	find include tests tools examples benchmarks -name '*.hpp' -o -name '*.cpp' | xargs clang-format -i

format-check:
	find include tests tools examples benchmarks -name '*.hpp' -o -name '*.cpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build build-sanitize build-fuzz build-bench
