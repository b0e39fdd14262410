/// @file
/// The SAE checkpoint file: magic `HILMSAE1`, version 1, the scalar size, a fingerprint of the
/// options that must match on resume, then the weights and the whole `SaeTrainState` in a fixed
/// field order (`hilm/sae/detail/binary_io.hpp`). Written atomically; read back by
/// `SparseAutoencoder::load_checkpoint`.
#ifndef HILM_SAE_DETAIL_CHECKPOINT_HPP
#define HILM_SAE_DETAIL_CHECKPOINT_HPP

#include <cstdint>
#include <cstring>
#include <fstream>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/sae/detail/binary_io.hpp>
#include <hilm/sae/detail/train_state.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/result.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm::detail {

/// The first eight bytes of a checkpoint.
inline constexpr char sae_checkpoint_magic[8] = {'H', 'I', 'L', 'M', 'S', 'A', 'E', '1'};

/// `options.checkpoint_path` with "{step}" replaced by `step`.
[[nodiscard]] inline std::string sae_checkpoint_name(const SaeOptions& options, std::int64_t step) {
  std::string name = options.checkpoint_path;
  const auto pos = name.find("{step}");
  if (pos != std::string::npos) name.replace(pos, 6, std::to_string(step));
  return name;
}

/// Writes the options a resumed run must share (architecture, latents, k, batch size, seed,
/// shuffling, Matryoshka prefixes).
inline void write_sae_fingerprint(BinaryWriter& w, const SaeOptions& options) {
  w.value<std::int32_t>(static_cast<std::int32_t>(options.architecture));
  w.value<std::int64_t>(options.latents);
  w.value<std::int64_t>(options.k);
  w.value<std::int64_t>(options.batch_size);
  w.value<std::uint64_t>(options.seed);
  w.value<std::int64_t>(options.shuffle_buffer_rows);
  w.vector(options.matryoshka_prefixes);
}

/// Reads a fingerprint and fails (io_error) unless it matches `options`.
inline void check_sae_fingerprint(BinaryReader& r, const SaeOptions& options) {
  const bool same =
      r.value<std::int32_t>() == static_cast<std::int32_t>(options.architecture) &&
      r.value<std::int64_t>() == options.latents && r.value<std::int64_t>() == options.k &&
      r.value<std::int64_t>() == options.batch_size && r.value<std::uint64_t>() == options.seed &&
      r.value<std::int64_t>() == options.shuffle_buffer_rows;
  std::vector<Index> prefixes;
  if (same) r.vector(prefixes);
  if (!same || prefixes != options.matryoshka_prefixes) {
    r.fail(
        "checkpoint was written with different options (architecture, latents, k, "
        "batch_size, seed, shuffle_buffer_rows or matryoshka_prefixes)");
  }
}

/// Writes weights and training state to `path`, atomically.
/// @throws io_error if the file cannot be written.
template <class Scalar>
void write_sae_checkpoint(const std::string& path, const SaeOptions& options,
                          const SaeWeights<Scalar>& weights, const SaeTrainState<Scalar>& st) {
  write_file_atomically(path, [&](std::ostream& out) {
    BinaryWriter w(out);
    out.write(sae_checkpoint_magic, sizeof(sae_checkpoint_magic));
    w.value<std::uint32_t>(1);
    w.value<std::uint32_t>(sizeof(Scalar));
    write_sae_fingerprint(w, options);
    w.value<std::int64_t>(st.d);
    w.value<std::int32_t>(static_cast<std::int32_t>(weights.architecture));
    w.value<std::int64_t>(weights.k);
    w.matrix(weights.w_enc);
    w.matrix(weights.b_enc);
    w.matrix(weights.w_dec);
    w.matrix(weights.b_dec);
    w.matrix(weights.threshold);
    w.value<double>(static_cast<double>(weights.input_scale));
    w.matrix(st.log_threshold);
    for (const auto* p : {&st.adam_m, &st.adam_v}) {
      w.matrix(p->w_enc);
      w.matrix(p->b_enc);
      w.matrix(p->w_dec);
      w.matrix(p->b_dec);
      w.matrix(p->log_threshold);
    }
    for (std::int64_t v :
         {st.step, st.total_steps, st.warmup, st.rows_seen, st.loader.epoch, st.loader.chunk,
          st.loader.offset, st.interval_steps, st.interval_rows}) {
      w.value<std::int64_t>(v);
    }
    for (double v : {st.base_lr, st.batch_threshold, st.interval_loss, st.interval_sse,
                     st.interval_sst, st.interval_active}) {
      w.value<double>(v);
    }
    w.vector(st.since_fired);
    w.vector(st.interval_fires);
    w.value<std::int64_t>(static_cast<std::int64_t>(st.history.size()));
    for (const auto& h : st.history) {
      w.value<std::int64_t>(h.step);
      w.value<std::int64_t>(h.rows);
      for (double v : {h.loss, h.learning_rate, h.metrics.mse, h.metrics.explained_variance,
                       h.metrics.l0, h.metrics.dead_fraction, h.metrics.dense_fraction}) {
        w.value<double>(v);
      }
      w.value<std::int64_t>(h.metrics.rows);
    }
  });
}

/// Reads a checkpoint written by `write_sae_checkpoint` with options matching `options`.
/// @returns the weights and the training state.
/// @throws io_error if the file cannot be read, is not a checkpoint, or does not match.
template <class Scalar>
std::pair<SaeWeights<Scalar>, SaeTrainState<Scalar>> read_sae_checkpoint(
    const std::string& path, const SaeOptions& options) {
  { const ReadOnlyFile regular(path); }  // refuses FIFOs and devices, never blocks
  std::ifstream in(path, std::ios::binary);
  if (!in) raise<io_error>(path, "cannot open checkpoint");
  BinaryReader r(in, path);
  char magic[sizeof(sae_checkpoint_magic)] = {};
  in.read(magic, sizeof(magic));
  if (!in || std::memcmp(magic, sae_checkpoint_magic, sizeof(magic)) != 0) {
    r.fail("not a hilm SAE checkpoint");
  }
  if (r.value<std::uint32_t>() != 1) r.fail("unsupported checkpoint version");
  if (r.value<std::uint32_t>() != sizeof(Scalar)) {
    r.fail("checkpoint scalar type differs from the SparseAutoencoder's");
  }
  check_sae_fingerprint(r, options);
  SaeTrainState<Scalar> st;
  SaeWeights<Scalar> wts;
  st.d = r.value<std::int64_t>();
  wts.architecture = static_cast<SaeArchitecture>(r.value<std::int32_t>());
  wts.k = r.value<std::int64_t>();
  r.matrix(wts.w_enc);
  r.matrix(wts.b_enc);
  r.matrix(wts.w_dec);
  r.matrix(wts.b_dec);
  r.matrix(wts.threshold);
  wts.input_scale = static_cast<Scalar>(r.value<double>());
  r.matrix(st.log_threshold);
  for (auto* p : {&st.adam_m, &st.adam_v}) {
    r.matrix(p->w_enc);
    r.matrix(p->b_enc);
    r.matrix(p->w_dec);
    r.matrix(p->b_dec);
    r.matrix(p->log_threshold);
  }
  for (std::int64_t* v :
       {&st.step, &st.total_steps, &st.warmup, &st.rows_seen, &st.loader.epoch, &st.loader.chunk,
        &st.loader.offset, &st.interval_steps, &st.interval_rows}) {
    *v = r.value<std::int64_t>();
  }
  for (double* v : {&st.base_lr, &st.batch_threshold, &st.interval_loss, &st.interval_sse,
                    &st.interval_sst, &st.interval_active}) {
    *v = r.value<double>();
  }
  r.vector(st.since_fired);
  r.vector(st.interval_fires);
  const auto entries = r.value<std::int64_t>();
  if (entries < 0 || entries > (std::int64_t(1) << 32)) r.fail("corrupt history length");
  for (std::int64_t i = 0; i < entries; ++i) {
    SaeHistoryEntry h;
    h.step = r.value<std::int64_t>();
    h.rows = r.value<std::int64_t>();
    for (double* v : {&h.loss, &h.learning_rate, &h.metrics.mse, &h.metrics.explained_variance,
                      &h.metrics.l0, &h.metrics.dead_fraction, &h.metrics.dense_fraction}) {
      *v = r.value<double>();
    }
    h.metrics.rows = r.value<std::int64_t>();
    st.history.push_back(h);
  }
  try {
    wts.check();
  } catch (const invalid_argument& e) {
    r.fail(e.what());
  }
  if (static_cast<Index>(st.since_fired.size()) != wts.d_sae() ||
      static_cast<Index>(st.interval_fires.size()) != wts.d_sae()) {
    r.fail("firing counters do not match d_sae");
  }
  return {std::move(wts), std::move(st)};
}

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_CHECKPOINT_HPP
