// Tests of hilm/dist/communicator.hpp and hilm/dist/row_shard.hpp, run on 1–4 ranks (dist.cmake).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <hilm/dist/communicator.hpp>
#include <hilm/dist/row_shard.hpp>
#include <hilm/io/npy.hpp>

#include "support/catch.hpp"

namespace {

using hilm::Communicator;
using hilm::Index;

// A directory every rank agrees on: rank 0 makes it and broadcasts the path.
std::string shared_directory(const Communicator& comm) {
  std::string dir;
  if (comm.rank() == 0) {
    dir = (std::filesystem::temp_directory_path() / ("hilm-dist-" + std::to_string(::getpid())))
              .string();
    std::filesystem::create_directories(dir);
  }
  comm.broadcast(dir);
  return dir;
}

}  // namespace

TEST_CASE("dist: shard_rows splits n rows into balanced contiguous blocks in rank order",
          "[dist]") {
  for (const Index n : {0, 1, 5, 7, 100, 1001}) {
    for (int ranks = 1; ranks <= 6; ++ranks) {
      Index next = 0;
      for (int r = 0; r < ranks; ++r) {
        const auto block = hilm::shard_rows(n, r, ranks);
        CHECK(block.begin == next);
        CHECK(block.size() >= n / ranks);
        CHECK(block.size() <= n / ranks + 1);
        next = block.end;
      }
      CHECK(next == n);
    }
  }
  CHECK_THROWS_AS(hilm::shard_rows(10, 3, 3), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::shard_rows(-1, 0, 1), hilm::invalid_argument);
}

TEST_CASE("dist: all-reduce, broadcast and all-gather over every rank", "[dist]") {
  const Communicator comm;
  const int p = comm.size(), r = comm.rank();
  hilm::Vector<double> v = hilm::Vector<double>::Constant(3, r + 1.0);
  comm.all_reduce_sum(v);
  CHECK(v(0) == p * (p + 1) / 2.0);
  CHECK(comm.all_reduce_max<std::int64_t>(r) == p - 1);
  CHECK(comm.all_reduce_sum<std::int64_t>(1) == p);

  hilm::Matrix<double> m;
  if (r == 0) m = hilm::Matrix<double>::Identity(2, 3) * 7.0;
  comm.broadcast(m);
  CHECK(m.rows() == 2);
  CHECK(m.cols() == 3);
  CHECK(m(1, 1) == 7.0);
  std::string text = r == 0 ? "from rank 0" : "";
  comm.broadcast(text);
  CHECK(text == "from rank 0");

  // Rank r contributes r + 1 rows whose entries are r: rank blocks stacked in rank order.
  hilm::RowMatrix<float> local = hilm::RowMatrix<float>::Constant(r + 1, 2, static_cast<float>(r));
  const hilm::RowMatrix<float> all = comm.all_gather_rows(local);
  CHECK(all.rows() == p * (p + 1) / 2);
  Index row = 0;
  for (int q = 0; q < p; ++q) {
    for (int i = 0; i <= q; ++i, ++row) CHECK(all(row, 1) == static_cast<float>(q));
  }
}

TEST_CASE("dist: collective turns one rank's exception into the same kind on every rank",
          "[dist]") {
  const Communicator comm;
  const int culprit = comm.size() - 1;
  const int twice = hilm::collective(comm, [&] { return comm.rank() * 2; });
  CHECK(twice == comm.rank() * 2);
  std::string message;
  bool io = false;
  try {
    hilm::collective(comm, [&] {
      if (comm.rank() == culprit) throw hilm::io_error("shard.npy", "truncated");
    });
  } catch (const hilm::io_error& e) {
    io = true;
    message = e.what();
  }
  CHECK(io);
  CHECK(message.find("shard.npy: truncated") != std::string::npos);
  if (comm.rank() != culprit) CHECK(message.find("rank " + std::to_string(culprit)) == 0);
  // The lowest failing rank wins when several fail; the kind follows it.
  bool argument = false;
  try {
    hilm::collective(comm, [&] {
      if (comm.rank() == 0) throw hilm::invalid_argument("bad option on 0");
      throw hilm::io_error("x", "on every rank");
    });
  } catch (const hilm::invalid_argument& e) {
    argument = std::string(e.what()).find("bad option on 0") != std::string::npos;
  } catch (const hilm::io_error&) {
  }
  CHECK(argument);
}

TEST_CASE("dist: open_npy_shard gives each rank its rows; a truncated shard fails every rank",
          "[dist]") {
  const Communicator comm;
  const std::string dir = shared_directory(comm);
  const std::string path = dir + "/x.npy", cut = dir + "/cut.npy";
  const Index n = 37, d = 3;
  hilm::RowMatrix<double> x(n, d);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j) x(i, j) = static_cast<double>(10 * i + j);
  if (comm.rank() == 0) {
    hilm::write_npy(path, x);
    std::filesystem::copy_file(path, cut);
    std::filesystem::resize_file(cut, std::filesystem::file_size(cut) - 20);
  }
  comm.barrier();
  auto shard = hilm::open_npy_shard<double>(path, comm);
  const auto expected = hilm::shard_rows(n, comm.rank(), comm.size());
  CHECK(shard.range().begin == expected.begin);
  CHECK(shard.size() == expected.size());
  hilm::RowMatrix<double> mine(std::max<Index>(shard.size(), 1), d);
  const Index got = shard.read(mine);
  CHECK(got == expected.size());
  CHECK(shard.read(mine) == 0);  // the shard ends at its block, not at the file's end
  for (Index i = 0; i < got; ++i) CHECK(mine.row(i) == x.row(expected.begin + i));
  // Every rank's rows together are the file.
  const hilm::RowMatrix<double> together = comm.all_gather_rows<double>(mine.topRows(got));
  CHECK(together == x);

  // The last rank is handed the truncated file: every rank ends with an io_error, none hangs.
  const std::string mine_path = comm.rank() == comm.size() - 1 ? cut : path;
  bool failed = false;
  std::string message;
  try {
    (void)hilm::open_npy_shard<double>(mine_path, comm);
  } catch (const hilm::io_error& e) {
    failed = true;
    message = e.what();
  }
  CHECK(failed);
  CHECK(message.find("cut.npy") != std::string::npos);
  comm.barrier();
  if (comm.rank() == 0) std::filesystem::remove_all(dir);
}
