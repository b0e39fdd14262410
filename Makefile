# Thin wrapper around CMake. The two commands of README.md:
#   make run    the main job (builds the tool and examples, runs them); needs no test framework
#   make test   builds and runs the whole test suite
# Each installs missing Debian packages first; re-running rebuilds only what changed.
# What CI runs, and what each stage costs: docs/development.md.
JOBS ?= $(shell nproc)
BUILD ?= build
CMAKE_FLAGS ?=
CTEST_FLAGS ?=
# Generator of a new build directory (an existing one keeps its own). Ninja schedules the 2-core
# builds a little better than make and leaves per-step times in .ninja_log.
export CMAKE_GENERATOR ?= Ninja

BASE_DEPS := cmake ninja-build make g++ libeigen3-dev libcli11-dev nlohmann-json3-dev graphviz
TEST_DEPS := $(BASE_DEPS) catch2
FUZZ_DEPS := $(BASE_DEPS) clang libclang-rt-14-dev
FORMAT_DEPS := clang-format
BENCH_DEPS := $(BASE_DEPS) libbenchmark-dev

# First configuration of a build directory; later runs keep what its cache holds. Unity builds
# compile each test module as one translation unit (docs/development.md, "Build settings CI uses").
DEFAULT_CONFIG := -DCMAKE_BUILD_TYPE=Release -DHILM_ENABLE_ASSERTS=ON -DHILM_WERROR=ON -DHILM_NATIVE=ON \
  -DHILM_UNITY_BUILD=ON

# The sanitizer build: ASan + UBSan, compiled with clang (about 1.7x faster than g++ on these
# translation units, and CI gets a second compiler with -Werror) at -O1 with line tables only
# (-g1: enough for the file:line of every report, at a fraction of the compile time of -O2 -g).
# It runs every test except the [slow] statistical repetitions (ctest label "slow"), which
# `make test` runs in Release. The examples and the hilm tool (with the CLI tests that run it) are
# left to the Release build and the main job: they call the library paths the unit tests already
# run under the sanitizers, and instrumenting them cost about 6 minutes of the CI budget (the
# tool's two translation units alone 240 s each). This build does the compile-only checks the
# Release build skips: every public header on its own and the install test (tests/CMakeLists.txt).
SANITIZE_DEPS := $(TEST_DEPS) clang libclang-rt-14-dev libomp-14-dev
SANITIZE_CONFIG := -DCMAKE_CXX_COMPILER=clang++ -DHILM_SANITIZE=ON -DHILM_NATIVE=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo '-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG' \
  -DHILM_BUILD_EXAMPLES=OFF -DHILM_BUILD_TOOLS=OFF
SANITIZE_CTEST := -LE slow

.PHONY: run test test-sanitize test-mpi fuzz bench compare format format-check deps models clean

deps:
	@scripts/install-deps.sh $(TEST_DEPS)

# The real trained networks (scripts/models.lock) into the cache directory; the tests that need
# them are skipped (ctest says so) when they cannot be fetched, unless HILM_REQUIRE_MODELS=1
# (what CI sets) makes that an error.
models:
	@scripts/fetch-models.sh || { [ "$${HILM_REQUIRE_MODELS:-0}" != 1 ] && \
	  echo "models: not fetched; the real-network demos and tests are skipped" >&2; }

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(DEFAULT_CONFIG) $(CMAKE_FLAGS)

run:
	@scripts/install-deps.sh $(BASE_DEPS)
	@$(MAKE) --no-print-directory $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target hilm_cli hilm_examples
	scripts/main-job.sh $(BUILD)

# Always (re)configures with Catch2 required, so that a build directory first configured without
# Catch2 (e.g. by `make run` on a fresh machine) gets its tests; CMake's cache keeps the rest, and
# targets already built (the tool, the examples) are not rebuilt.
test: deps models
	cmake -S . -B $(BUILD) $(if $(wildcard $(BUILD)/CMakeCache.txt),,$(DEFAULT_CONFIG)) \
	  -UCMAKE_DISABLE_FIND_PACKAGE_Catch2 -DHILM_REQUIRE_CATCH2=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure $(CTEST_FLAGS)

test-sanitize:
	@scripts/install-deps.sh $(SANITIZE_DEPS)
	@$(MAKE) --no-print-directory BUILD=build-sanitize \
	  CMAKE_FLAGS="$(SANITIZE_CONFIG) $(CMAKE_FLAGS)" CTEST_FLAGS="$(SANITIZE_CTEST) $(CTEST_FLAGS)" test

# The optional MPI layer (include/hilm/dist/, docs/scale.md): Open MPI from Debian, a build with
# HILM_WITH_MPI=ON in build-mpi/, and its tests under mpirun on 1, 2, 3 and 4 ranks (ctest label
# "dist"). The core never needs MPI; `make test` leaves this out. (openssh-client: Open MPI's
# launcher refuses to start, even on one node, when it finds no rsh/ssh agent.)
MPI_DEPS := $(TEST_DEPS) libopenmpi-dev openmpi-bin openssh-client
test-mpi:
	@scripts/install-deps.sh $(MPI_DEPS)
	cmake -S . -B build-mpi -DCMAKE_BUILD_TYPE=Release -DHILM_ENABLE_ASSERTS=ON -DHILM_WERROR=ON \
	  -DHILM_WITH_MPI=ON -DHILM_BUILD_TOOLS=OFF -DHILM_BUILD_EXAMPLES=OFF -DHILM_REQUIRE_CATCH2=ON \
	  $(CMAKE_FLAGS)
	cmake --build build-mpi -j $(JOBS) --target hilm_test_dist
	ctest --test-dir build-mpi -L dist --output-on-failure $(CTEST_FLAGS)

# libFuzzer targets with ASan/UBSan; FUZZ_SECONDS per parser (default 40: six parsers, two at a
# time, in the 2 minutes four took at 60 s), JOBS parsers at a time.
FUZZ_SECONDS ?= 40
fuzz:
	@scripts/install-deps.sh $(FUZZ_DEPS)
	scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(JOBS)

bench:
	@scripts/install-deps.sh $(BENCH_DEPS)
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DHILM_BUILD_BENCHMARKS=ON -DHILM_BUILD_TESTS=OFF
	cmake --build build-bench -j $(JOBS) --target hilm_bench
	build-bench/benchmarks/hilm_bench

# The side-by-side scripts (benchmarks/compare/run_all.sh): hilm against PyTorch, scikit-learn and
# RcppML, the peers on OpenBLAS (installed here; a peer on the reference BLAS stops the run), one
# table in build-bench/compare.md. Take it on an idle machine.
compare:
	@scripts/install-deps.sh $(BENCH_DEPS)
	benchmarks/compare/run_all.sh build-bench/compare.md

FORMAT_DIRS := include tests tools examples benchmarks
format:
	@scripts/install-deps.sh $(FORMAT_DEPS)
	find $(FORMAT_DIRS) -name '*.hpp' -o -name '*.cpp' | xargs clang-format -i

# Fails (and prints the diff locations) when any C++ file is not clang-formatted.
format-check:
	@scripts/install-deps.sh $(FORMAT_DEPS)
	find $(FORMAT_DIRS) -name '*.hpp' -o -name '*.cpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build build-sanitize build-fuzz build-bench build-mpi
