// The .keras zip archive (libzip) and the HDF5 weights (HDF5's C library), both read
// from memory. HDF5's own error printing is turned off: every failure becomes one line.
#include "compiler/frontend/keras/keras_archive.h"

#include <hdf5.h>
#include <zip.h>

#include <cstring>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "compiler/frontend/model_file.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr char kZipMagic[] = "PK\x03\x04";
constexpr char kHdf5Signature[] = "\x89HDF\r\n\x1a\n";
constexpr int kMaxWeightRank = 8;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// An HDF5 identifier closed by the function that matches its kind.
class H5Handle {
 public:
  H5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~H5Handle() {
    if (id_ >= 0) close_(id_);
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// Opens an HDF5 file held in memory (the core driver over a copy of the bytes).
absl::StatusOr<hid_t> OpenHdf5Image(const std::string& bytes, const std::string& what) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kHdf5Signature, 8) != 0) {
    return Invalid(absl::StrCat(what, " is not an HDF5 file"));
  }
  H5Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!access.ok() || H5Pset_fapl_core(access.get(), 1 << 20, 0) < 0 ||
      H5Pset_file_image(access.get(), const_cast<char*>(bytes.data()), bytes.size()) < 0) {
    return absl::InternalError("HDF5 cannot hold the file in memory");
  }
  const hid_t file = H5Fopen("keras_weights.h5", H5F_ACC_RDONLY, access.get());
  if (file < 0) return Invalid(absl::StrCat(what, " cannot be opened by HDF5 (corrupt or truncated?)"));
  return file;
}

// A string attribute (variable or fixed length, a scalar or a list) as strings.
absl::StatusOr<std::vector<std::string>> ReadStringAttribute(hid_t object, const char* name) {
  if (H5Aexists(object, name) <= 0) return absl::NotFoundError(absl::StrCat("no attribute '", name, "'"));
  H5Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  H5Handle type(attribute.ok() ? H5Aget_type(attribute.get()) : -1, H5Tclose);
  H5Handle space(attribute.ok() ? H5Aget_space(attribute.get()) : -1, H5Sclose);
  if (!type.ok() || !space.ok()) return Invalid(absl::StrCat("attribute '", name, "' cannot be read"));
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count < 0 || count > (1 << 20)) return Invalid(absl::StrCat("attribute '", name, "' has a bad size"));
  std::vector<std::string> strings;
  if (count == 0) return strings;  // Keras writes an empty list as an empty float array
  if (H5Tget_class(type.get()) != H5T_STRING) return Invalid(absl::StrCat("attribute '", name, "' is not a string"));
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char*> pointers(count, nullptr);
    H5Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory_type.get(), H5T_VARIABLE);
    H5Tset_cset(memory_type.get(), H5Tget_cset(type.get()));
    if (count > 0 && H5Aread(attribute.get(), memory_type.get(), pointers.data()) < 0) {
      return Invalid(absl::StrCat("attribute '", name, "' cannot be read"));
    }
    for (char* pointer : pointers) {
      strings.emplace_back(pointer ? pointer : "");
      if (pointer) H5free_memory(pointer);
    }
    return strings;
  }
  const size_t size = H5Tget_size(type.get());
  if (size == 0 || size > (size_t{1} << 28) / static_cast<size_t>(std::max<hssize_t>(count, 1))) {
    return Invalid(absl::StrCat("attribute '", name, "' has a bad size"));
  }
  std::string buffer(size * count, '\0');
  if (count > 0 && H5Aread(attribute.get(), type.get(), buffer.data()) < 0) {
    return Invalid(absl::StrCat("attribute '", name, "' cannot be read"));
  }
  for (hssize_t i = 0; i < count; ++i) {
    std::string value = buffer.substr(i * size, size);
    value.resize(strnlen(value.c_str(), size));
    strings.push_back(std::move(value));
  }
  return strings;
}

// One numeric dataset at `path` below `group`, as float32.
absl::StatusOr<TensorData> ReadFloatDataset(hid_t group, const std::string& path, int64_t max_elements) {
  const std::string what = absl::StrCat("weight '", path, "'");
  if (path.empty() || path.find('\0') != std::string::npos || H5Lexists(group, path.c_str(), H5P_DEFAULT) <= 0) {
    return Invalid(absl::StrCat(what, " is missing from the weights"));
  }
  H5Handle dataset(H5Dopen2(group, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.ok()) return Invalid(absl::StrCat(what, " is not a dataset"));
  H5Handle type(H5Dget_type(dataset.get()), H5Tclose);
  H5Handle space(H5Dget_space(dataset.get()), H5Sclose);
  if (!type.ok() || !space.ok()) return Invalid(absl::StrCat(what, " cannot be read"));
  // Integers (a Normalization layer's count) are read as floats too; HDF5 converts.
  if (H5Tget_class(type.get()) != H5T_FLOAT && H5Tget_class(type.get()) != H5T_INTEGER) {
    return absl::UnimplementedError(absl::StrCat(what, " is not a numeric tensor"));
  }
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > kMaxWeightRank) return Invalid(absl::StrCat(what, " has a bad rank"));
  hsize_t dims[kMaxWeightRank] = {};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  Shape shape;
  int64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    if (dims[d] > static_cast<hsize_t>(max_elements) || (dims[d] > 0 && count > max_elements / static_cast<int64_t>(dims[d]))) {
      return Invalid(absl::StrCat(what, " claims more elements than the file could hold"));
    }
    count *= static_cast<int64_t>(dims[d]);
    shape.push_back(static_cast<int64_t>(dims[d]));
  }
  std::vector<float> values(count);
  if (count > 0 && H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    return Invalid(absl::StrCat(what, " cannot be read (corrupt?)"));
  }
  return TensorData::FromFloats(std::move(shape), values);
}

// A zip held in memory; members are read by exact name only.
class ZipArchive {
 public:
  ~ZipArchive() {
    if (archive_) zip_discard(archive_);
  }
  absl::Status Open(const std::string& bytes) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (source) archive_ = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (source && !archive_) zip_source_free(source);
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    if (!archive_) return Invalid(absl::StrCat("not a valid zip archive (", message, ")"));
    return absl::OkStatus();
  }
  // No member may name a path outside the archive: Keras writes none, so one that
  // does is a hostile file.
  absl::Status CheckMemberNames() const {
    const zip_int64_t count = zip_get_num_entries(archive_, 0);
    for (zip_int64_t i = 0; i < count; ++i) {
      const char* name = zip_get_name(archive_, i, 0);
      if (!name) return Invalid(absl::StrCat("zip member ", i, " has no readable name"));
      const std::string member = name;
      bool escapes = member.empty() || member[0] == '/' || member[0] == '\\' || absl::StrContains(member, ":");
      for (absl::string_view part : absl::StrSplit(member, absl::ByAnyChar("/\\"))) escapes |= part == "..";
      if (escapes) return Invalid("a zip member's path leaves the archive (an absolute path or '..'): refused");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> Read(const char* name, int64_t max_bytes) const {
    const zip_int64_t index = zip_name_locate(archive_, name, 0);
    if (index < 0) return Invalid(absl::StrCat("the archive has no ", name, " (not a Keras 3 .keras file?)"));
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive_, index, 0, &stat) < 0 || !(stat.valid & ZIP_STAT_SIZE)) {
      return Invalid(absl::StrCat(name, " in the archive cannot be read"));
    }
    if (stat.size > static_cast<zip_uint64_t>(max_bytes)) {
      return Invalid(absl::StrCat(name, " holds ", stat.size, " bytes, more than the limit of ", max_bytes,
                                  " (--max-model-size raises it)"));
    }
    zip_file_t* file = zip_fopen_index(archive_, index, 0);
    if (!file) return Invalid(absl::StrCat(name, " in the archive cannot be opened (", zip_strerror(archive_), ")"));
    std::string contents(stat.size, '\0');
    const zip_int64_t read = stat.size > 0 ? zip_fread(file, contents.data(), stat.size) : 0;
    zip_fclose(file);
    if (read != static_cast<zip_int64_t>(stat.size)) {
      return Invalid(absl::StrCat(name, " in the archive is corrupt or truncated"));
    }
    return contents;
  }

 private:
  zip_t* archive_ = nullptr;
};

absl::StatusOr<KerasFile> ReadArchive(const std::string& bytes, int64_t max_bytes) {
  ZipArchive archive;
  RETURN_IF_ERROR(archive.Open(bytes));
  RETURN_IF_ERROR(archive.CheckMemberNames());
  KerasFile file;
  file.kind = KerasFileKind::kArchive;
  ASSIGN_OR_RETURN(file.config_json, archive.Read("config.json", max_bytes));
  ASSIGN_OR_RETURN(std::string weights, archive.Read("model.weights.h5", max_bytes));
  ASSIGN_OR_RETURN(hid_t h5, OpenHdf5Image(weights, "model.weights.h5"));
  file.weights = std::make_unique<KerasWeights>(h5, file.kind, static_cast<int64_t>(weights.size()));
  return file;
}

absl::StatusOr<KerasFile> ReadLegacy(const std::string& bytes) {
  ASSIGN_OR_RETURN(hid_t h5, OpenHdf5Image(bytes, "the file"));
  KerasFile file;
  file.kind = KerasFileKind::kLegacyHdf5;
  file.weights = std::make_unique<KerasWeights>(h5, file.kind, static_cast<int64_t>(bytes.size()));
  absl::StatusOr<std::vector<std::string>> config = ReadStringAttribute(h5, "model_config");
  if (!config.ok() || config->size() != 1) {
    return Invalid("an HDF5 file without a readable 'model_config' attribute: not a whole Keras model (weights only?)");
  }
  file.config_json = std::move((*config)[0]);
  absl::StatusOr<std::vector<std::string>> version = ReadStringAttribute(h5, "keras_version");
  file.written_by_keras2 = !version.ok() || version->empty() || !absl::StartsWith((*version)[0], "3.");
  return file;
}

}  // namespace

KerasWeights::~KerasWeights() {
  if (file_ >= 0) H5Fclose(file_);
}

absl::StatusOr<std::vector<TensorData>> KerasWeights::LayerWeights(const std::string& key) const {
  std::vector<TensorData> weights;
  if (key.empty() || key.find('\0') != std::string::npos) return weights;
  if (kind_ == KerasFileKind::kArchive) {
    // A layer's own variables, then its cell's (a recurrent layer keeps its weights in
    // the cell: layers/lstm/cell/vars).
    if (H5Lexists(file_, "layers", H5P_DEFAULT) <= 0 || H5Lexists(file_, key.c_str(), H5P_DEFAULT) <= 0) return weights;
    // Then a wrapper's: TimeDistributed's layer, Bidirectional's forward then backward
    // layer (the order of a legacy file's weight_names).
    for (const char* suffix : {"/vars", "/cell/vars", "/layer/vars", "/layer/cell/vars", "/forward_layer/cell/vars",
                              "/backward_layer/cell/vars"}) {
      const std::string vars = absl::StrCat(key, suffix);
      // Each step of the path must exist before HDF5 is asked about the next.
      bool exists = true;
      for (size_t at = vars.find('/', key.size() + 1); exists; at = vars.find('/', at + 1)) {
        exists = H5Lexists(file_, vars.substr(0, at).c_str(), H5P_DEFAULT) > 0;
        if (at == std::string::npos) break;
      }
      if (!exists) continue;
      H5Handle group(H5Gopen2(file_, vars.c_str(), H5P_DEFAULT), H5Gclose);
      H5G_info_t info;
      if (!group.ok() || H5Gget_info(group.get(), &info) < 0) return Invalid(absl::StrCat("'", vars, "' is not a group"));
      for (hsize_t i = 0; i < info.nlinks; ++i) {
        ASSIGN_OR_RETURN(TensorData weight, ReadFloatDataset(group.get(), absl::StrCat(i), max_elements_));
        weights.push_back(std::move(weight));
      }
    }
    return weights;
  }
  if (H5Lexists(file_, "model_weights", H5P_DEFAULT) <= 0) return Invalid("the file has no 'model_weights' group");
  H5Handle model_weights(H5Gopen2(file_, "model_weights", H5P_DEFAULT), H5Gclose);
  if (!model_weights.ok()) return Invalid("'model_weights' is not a group");
  // A nested model's layers share its group: key "base/conv" reads the weights of the
  // group "base" whose names start with "conv/" (or "base/conv/").
  const size_t slash = key.find('/');
  const std::string group_name = key.substr(0, slash);
  const std::string prefix = slash == std::string::npos ? "" : absl::StrCat(key.substr(slash + 1), "/");
  if (group_name.empty() || group_name == "." || group_name == ".." ||
      H5Lexists(model_weights.get(), group_name.c_str(), H5P_DEFAULT) <= 0) {
    return weights;
  }
  H5Handle group(H5Gopen2(model_weights.get(), group_name.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.ok()) return Invalid(absl::StrCat("'model_weights/", group_name, "' is not a group"));
  absl::StatusOr<std::vector<std::string>> names = ReadStringAttribute(group.get(), "weight_names");
  if (absl::IsNotFound(names.status())) return weights;
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    // Keras 3 names a nested Sequential model's weights after it too: "hidden/dense/kernel".
    absl::string_view relative = name;
    if (!prefix.empty()) absl::ConsumePrefix(&relative, absl::StrCat(group_name, "/"));
    if (!absl::StartsWith(relative, prefix)) continue;
    ASSIGN_OR_RETURN(TensorData weight, ReadFloatDataset(group.get(), name, max_elements_));
    weights.push_back(std::move(weight));
  }
  return weights;
}

absl::StatusOr<KerasFile> ReadKerasFile(const std::string& path, int64_t max_bytes) {
  const absl::StatusOr<std::string> read = ReadModelFile(path, max_bytes);
  if (!read.ok()) return read.status();
  const std::string& bytes = *read;
  if (absl::StartsWith(bytes, absl::string_view(kZipMagic, 4))) return ReadArchive(bytes, max_bytes);
  if (absl::StartsWith(bytes, absl::string_view(kHdf5Signature, 8))) return ReadLegacy(bytes);
  return Invalid("neither a Keras 3 archive (a zip) nor a legacy Keras HDF5 file");
}

}  // namespace modelc
