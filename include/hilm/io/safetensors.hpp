/// @file
/// Reading and writing `.safetensors` files (the tensor format of huggingface/safetensors, used by
/// SAELens and most model hubs).
///
/// This is an optional integration: it needs nlohmann-json (Debian `nlohmann-json3-dev`, CMake
/// `nlohmann_json::nlohmann_json`) and no other hilm header includes it.
///
/// Reading is strict, following the reference Rust implementation: the header must be a JSON
/// object without repeated keys; every tensor entry needs `dtype`, `shape` and `data_offsets` with
/// the right JSON types and a dtype hilm knows; shape × itemsize must equal the byte range (with
/// overflow checks); and the byte ranges, sorted by offset, must tile the data section exactly —
/// no overlaps, no gaps, no trailing bytes. Every violation is an `io_error` naming the file.
///
/// Writing is deterministic: tensors are stored in name order (byte-wise `std::string`
/// comparison), the header is compact JSON (`__metadata__` first, then the tensors in name order,
/// keys `dtype`, `shape`, `data_offsets`) padded with spaces to a multiple of 8 bytes, as the
/// reference writer pads it. Saving what was loaded therefore reproduces the file byte for byte.
///
/// @code
/// hilm::SafetensorsWriter out;
/// out.add("W_dec", w_dec);                                   // d_sae × d_in, stored as F32
/// out.add_vector("b_dec", b_dec);                            // 1-d tensor
/// out.set_metadata("format", "pt");
/// out.write("sae_weights.safetensors");
///
/// const auto file = hilm::SafetensorsFile::open("sae_weights.safetensors");
/// hilm::RowMatrix<float> w = file.matrix<float>("W_dec");
/// @endcode
#ifndef HILM_IO_SAFETENSORS_HPP
#define HILM_IO_SAFETENSORS_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/io/detail/safetensors_format.hpp>
#include <hilm/io/dtype.hpp>

#include <nlohmann/json.hpp>

namespace hilm {

/// The safetensors code of a dtype: "F32", "F16", "BF16", "I64", "U8", "BOOL", ...
[[nodiscard]] constexpr std::string_view safetensors_dtype_name(DType t) noexcept {
  return detail::safetensors_dtype_code(t);
}

/// One tensor of a `.safetensors` file, as described by its header.
struct TensorInfo {
  std::string name;          ///< Key in the header.
  DType dtype;               ///< Element type (little-endian in the file).
  std::vector<Index> shape;  ///< Dimensions, C order; empty for a 0-d (scalar) tensor.
  std::size_t begin;         ///< First byte, relative to the start of the data section.
  std::size_t end;           ///< One past the last byte, relative to the data section.

  /// Number of elements (the product of `shape`; 1 for a 0-d tensor).
  [[nodiscard]] Index size() const noexcept {
    Index n = 1;
    for (Index d : shape) n *= d;
    return n;
  }
};

/// A `.safetensors` file held in memory, validated on construction.
///
/// `open` reads the whole file into memory (no memory mapping: the object owns its bytes, stays
/// valid if the file is later changed, and a truncated file cannot fault a later access); `parse`
/// takes a buffer you already hold. Accessors are `const` and the object may be shared between
/// threads for reading.
class SafetensorsFile {
 public:
  /// Reads and validates the file at `path` (see the file comment for the rules).
  /// @throws io_error naming `path` if it cannot be read or is malformed.
  [[nodiscard]] static SafetensorsFile open(const std::string& path) {
    std::vector<std::byte> bytes;
    {
      const detail::ReadOnlyFile file(path);
      if (file.size() > static_cast<std::uint64_t>(SIZE_MAX)) {
        hilm::detail::raise<io_error>(path, "file too large for this platform");
      }
      bytes.resize(static_cast<std::size_t>(file.size()));
      file.read_at(0, bytes.data(), bytes.size());
    }
    return parse(std::move(bytes), path);
  }

  /// Validates an in-memory image of a whole file and takes ownership of it.
  /// @param bytes  the complete file contents.
  /// @param path   name used in error messages (may be empty).
  /// @throws io_error naming `path` if the contents are malformed.
  [[nodiscard]] static SafetensorsFile parse(std::vector<std::byte> bytes, std::string path = "") {
    SafetensorsFile out;
    auto layout = detail::parse_safetensors_layout<TensorInfo>(bytes, path);
    out.path_ = std::move(path);
    out.bytes_ = std::move(bytes);
    out.data_begin_ = layout.data_begin;
    out.tensors_ = std::move(layout.tensors);
    out.metadata_ = std::move(layout.metadata);
    for (std::size_t i = 0; i < out.tensors_.size(); ++i)
      out.index_.emplace(out.tensors_[i].name, i);
    return out;
  }

  /// The file name given to `open`/`parse`.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  /// All tensors in file order (by data offset; zero-byte tensors that share an offset by name).
  [[nodiscard]] const std::vector<TensorInfo>& tensors() const noexcept { return tensors_; }

  /// True if the file holds a tensor called `name`.
  [[nodiscard]] bool contains(std::string_view name) const {
    return index_.find(name) != index_.end();
  }

  /// The header entry of tensor `name`.
  /// @throws io_error naming the file and the tensor if there is no such tensor.
  [[nodiscard]] const TensorInfo& info(std::string_view name) const {
    const auto it = index_.find(name);
    if (it == index_.end()) [[unlikely]] {
      std::string known;
      for (std::size_t i = 0; i < tensors_.size() && i < 8; ++i) {
        known += (i ? ", " : "") + detail::quote_for_message(tensors_[i].name, 40);
      }
      if (tensors_.size() > 8) known += ", ...";
      hilm::detail::raise<io_error>(
          path_, std::string("no tensor named ") + detail::quote_for_message(name) +
                     " (the file holds " + std::to_string(tensors_.size()) + " tensor" +
                     (tensors_.size() == 1 ? "" : "s") +
                     (known.empty() ? "" : std::string(": ") + known) + ")");
    }
    return tensors_[it->second];
  }

  /// The `__metadata__` map (empty if the file has none).
  [[nodiscard]] const std::map<std::string, std::string>& metadata() const noexcept {
    return metadata_;
  }

  /// The raw little-endian bytes of tensor `name` (C order), valid as long as this object.
  /// @throws io_error if there is no such tensor.
  [[nodiscard]] std::span<const std::byte> bytes(std::string_view name) const {
    const TensorInfo& t = info(name);
    return std::span<const std::byte>(bytes_).subspan(data_begin_ + t.begin, t.end - t.begin);
  }

  /// Tensor `name` as a matrix, converted to `Scalar` under the exact-or-error policy of
  /// `hilm/io/dtype.hpp` (float64 → float32 rounds; integers must fit exactly).
  /// A 0-d tensor gives 1 × 1, a 1-d tensor of length n gives n × 1 (a column), a 2-d tensor
  /// rows × cols (C order preserved).
  /// @tparam Scalar  arithmetic Eigen scalar (float, double, or an integer type).
  /// @returns  rows × cols row-major matrix.
  /// @throws io_error naming the file and the tensor if it does not exist, has rank ≥ 3, or holds
  ///   a value that cannot be converted.
  template <class Scalar>
  [[nodiscard]] RowMatrix<Scalar> matrix(std::string_view name) const {
    const TensorInfo& t = info(name);
    Index rows = 1;
    Index cols = 1;
    if (t.shape.size() == 1) {
      rows = t.shape[0];
    } else if (t.shape.size() == 2) {
      rows = t.shape[0];
      cols = t.shape[1];
    } else if (t.shape.size() > 2) {
      hilm::detail::raise<io_error>(
          path_, std::string("tensor ") + detail::quote_for_message(t.name) +
                     std::string(" has shape ") + detail::shape_to_string(t.shape) +
                     "; a matrix needs at most 2 dimensions");
    }
    RowMatrix<Scalar> out(rows, cols);
    convert_into(t, out.data());
    return out;
  }

  /// Tensor `name` as a vector: a 1-d tensor, a 2-d tensor with one row or one column, or a 0-d
  /// tensor (length 1).
  /// @returns  vector of length `size()`.
  /// @throws io_error naming the file and the tensor if it does not exist, has another shape, or
  ///   holds a value that cannot be converted.
  template <class Scalar>
  [[nodiscard]] Vector<Scalar> vector(std::string_view name) const {
    const TensorInfo& t = info(name);
    const bool ok =
        t.shape.size() <= 1 || (t.shape.size() == 2 && (t.shape[0] == 1 || t.shape[1] == 1));
    if (!ok) {
      hilm::detail::raise<io_error>(
          path_, std::string("tensor ") + detail::quote_for_message(t.name) +
                     std::string(" has shape ") + detail::shape_to_string(t.shape) +
                     "; a vector needs one dimension (or 1 × n, n × 1)");
    }
    Vector<Scalar> out(t.size());
    convert_into(t, out.data());
    return out;
  }

 private:
  SafetensorsFile() = default;

  template <class Scalar>
  void convert_into(const TensorInfo& t, Scalar* dst) const {
    try {
      convert_elements<Scalar>(bytes_.data() + data_begin_ + t.begin, t.dtype, false, t.size(), dst,
                               path_);
    } catch (const io_error& e) {
      hilm::detail::raise<io_error>(
          path_, std::string("tensor ") + detail::quote_for_message(t.name) + ": " + e.problem());
    }
  }

  std::string path_;
  std::vector<std::byte> bytes_;
  std::size_t data_begin_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::map<std::string, std::string> metadata_;
};

/// Builds a `.safetensors` file from Eigen matrices and vectors.
///
/// Each `add` converts and copies the data at once, so the arguments need not outlive the call.
/// Tensors are written in name order whatever the order of the calls (see the file comment).
class SafetensorsWriter {
 public:
  /// Adds a 2-d tensor `rows × cols` (stored C order, i.e. row by row, whatever the storage order
  /// of `m`).
  /// @param name  tensor name: non-empty, valid UTF-8, not `__metadata__`, not already added.
  /// @param m     rows × cols matrix of any arithmetic scalar.
  /// @param as    stored dtype (default: the one matching `m`'s scalar). float64 → float32,
  ///              float16 or bfloat16 rounds to nearest even (directly from double, without a
  ///              double rounding through float); every other conversion must be exact.
  /// @throws invalid_argument naming the tensor (and the element) for a bad name, a value that
  ///   would overflow to infinity, or a value the integer/BOOL/exact target cannot hold.
  template <class Derived>
  void add(std::string name, const Eigen::MatrixBase<Derived>& m,
           DType as = dtype_of<typename Derived::Scalar>()) {
    add_tensor(std::move(name), {m.rows(), m.cols()}, m, as);
  }

  /// Adds a 1-d tensor of length `v.size()`.
  /// @param v  a row or column vector (n × 1 or 1 × n).
  /// @throws invalid_argument as `add`, and if `v` is not a vector.
  template <class Derived>
  void add_vector(std::string name, const Eigen::MatrixBase<Derived>& v,
                  DType as = dtype_of<typename Derived::Scalar>()) {
    if (v.rows() != 1 && v.cols() != 1) {
      hilm::detail::raise<invalid_argument>(
          std::string("SafetensorsWriter::add_vector: tensor ") + detail::quote_for_message(name) +
          " is " + std::to_string(v.rows()) + " × " + std::to_string(v.cols()) + ", not a vector");
    }
    add_tensor(std::move(name), {v.size()}, v, as);
  }

  /// Sets one `__metadata__` entry (replacing an earlier value for `key`).
  /// @throws invalid_argument if `key` or `value` is not valid UTF-8.
  void set_metadata(std::string key, std::string value) {
    if (!detail::json_serialisable(key) || !detail::json_serialisable(value)) {
      hilm::detail::raise<invalid_argument>(
          std::string("SafetensorsWriter::set_metadata: key and value must be valid UTF-8 (key ") +
          detail::quote_for_message(key) + ")");
    }
    metadata_[std::move(key)] = std::move(value);
  }

  /// True if a tensor called `name` has been added.
  [[nodiscard]] bool contains(std::string_view name) const {
    return tensors_.find(name) != tensors_.end();
  }

  /// The complete file contents `write` stores.
  [[nodiscard]] std::vector<std::byte> serialize() const {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata_.empty()) {
      nlohmann::ordered_json meta = nlohmann::ordered_json::object();
      for (const auto& [k, v] : metadata_) meta[k] = v;
      header["__metadata__"] = std::move(meta);
    }
    std::size_t offset = 0;
    for (const auto& [name, t] : tensors_) {
      nlohmann::ordered_json entry = nlohmann::ordered_json::object();
      entry["dtype"] = std::string(detail::safetensors_dtype_code(t.dtype));
      nlohmann::ordered_json shape = nlohmann::ordered_json::array();
      for (Index d : t.shape) shape.push_back(static_cast<std::uint64_t>(d));
      entry["shape"] = std::move(shape);
      entry["data_offsets"] =
          nlohmann::ordered_json::array({static_cast<std::uint64_t>(offset),
                                         static_cast<std::uint64_t>(offset + t.bytes.size())});
      header[name] = std::move(entry);
      offset += t.bytes.size();
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::vector<std::byte> out;
    out.reserve(8 + text.size() + offset);
    const auto n = static_cast<std::uint64_t>(text.size());
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((n >> (8 * i)) & 0xFFu));
    for (char c : text) out.push_back(static_cast<std::byte>(c));
    for (const auto& [name, t] : tensors_) out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    return out;
  }

  /// Writes the file atomically (temporary file + rename; see `write_file_atomically`).
  /// @throws io_error naming `path` if it cannot be written.
  void write(const std::string& path) const {
    const std::vector<std::byte> bytes = serialize();
    write_file_atomically(path, [&](std::ostream& out) {
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
    });
  }

 private:
  struct Tensor {
    DType dtype;
    std::vector<Index> shape;
    std::vector<std::byte> bytes;
  };

  template <class Derived>
  void add_tensor(std::string name, std::vector<Index> shape, const Eigen::MatrixBase<Derived>& m,
                  DType as) {
    using Scalar = typename Derived::Scalar;
    static_assert(std::is_arithmetic_v<Scalar>,
                  "hilm::SafetensorsWriter: the matrix scalar must be an arithmetic type");
    const std::string who =
        std::string("SafetensorsWriter: tensor ") + detail::quote_for_message(name);
    if (name.empty() || name == "__metadata__" || !detail::json_serialisable(name)) {
      hilm::detail::raise<invalid_argument>(
          who + ": names must be non-empty valid UTF-8 and not \"__metadata__\"");
    }
    if (contains(name)) hilm::detail::raise<invalid_argument>(who + " was already added");
    const auto& e = m.derived().eval();  // evaluates expressions once; no copy for plain objects
    const std::size_t size = dtype_size(as);
    Tensor t{as, std::move(shape),
             std::vector<std::byte>(static_cast<std::size_t>(e.size()) * size)};
    std::size_t k = 0;
    for (Index i = 0; i < e.rows(); ++i) {
      for (Index j = 0; j < e.cols(); ++j, ++k) {
        if (!detail::encode_safetensors_element(e(i, j), as, t.bytes.data() + k * size)) {
          hilm::detail::raise<invalid_argument>(
              who + ": element (" + std::to_string(i) + ", " + std::to_string(j) +
              ") = " + std::to_string(static_cast<double>(e(i, j))) + " cannot be stored as " +
              std::string(detail::safetensors_dtype_code(as)));
        }
      }
    }
    tensors_.emplace(std::move(name), std::move(t));
  }

  std::map<std::string, Tensor, std::less<>> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace hilm

#endif  // HILM_IO_SAFETENSORS_HPP
