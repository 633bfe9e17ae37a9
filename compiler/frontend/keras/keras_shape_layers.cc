// Cropping (a Slice), up-sampling (a Resize on Keras's own axes: nearest repeats each
// element, bilinear is half-pixel linear as Keras's), RepeatVector (a Tile) and
// Embedding (a Gather of the table's rows by indices read at run time).
#include "compiler/frontend/keras/keras_shape_layers.h"

#include "absl/strings/str_cat.h"
#include "compiler/util/status_macros.h"

namespace modelc::keras_layers {
namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

int64_t SpatialRankOf(const std::string& class_name) { return class_name.find("1D") != std::string::npos ? 1 : 2; }

// The spatial axes: after the batch (channels_last) or after the channels.
absl::StatusOr<int64_t> FirstSpatialAxis(LayerBuilder& b, int64_t spatial) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  if (static_cast<int64_t>(b.InputShape(0).size()) != spatial + 2) {
    return Invalid(absl::StrCat("the input must have rank ", spatial + 2, ", not ", ShapeToString(b.InputShape(0))));
  }
  ASSIGN_OR_RETURN(std::string format, ConfigString(b.config(), "data_format", "channels_last"));
  return format == "channels_first" ? 2 : 1;
}

// (before, after) for each spatial dimension: a number, a pair, or a pair per dimension.
absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> PairsPerDimension(const nlohmann::json& value, int64_t spatial,
                                                                           const char* key) {
  auto pair_of = [&](const nlohmann::json& item) -> absl::StatusOr<std::pair<int64_t, int64_t>> {
    if (item.is_number_integer()) return std::pair{item.get<int64_t>(), item.get<int64_t>()};
    if (item.is_array() && item.size() == 2 && item[0].is_number_integer() && item[1].is_number_integer()) {
      return std::pair{item[0].get<int64_t>(), item[1].get<int64_t>()};
    }
    return Invalid(absl::StrCat("'", key, "' must be a number, a pair, or a pair per spatial dimension"));
  };
  std::vector<std::pair<int64_t, int64_t>> pairs;
  if (spatial == 1 || value.is_number_integer()) {
    ASSIGN_OR_RETURN(auto pair, pair_of(value));
    pairs.assign(spatial, pair);
  } else {
    if (!value.is_array() || static_cast<int64_t>(value.size()) != spatial) {
      return Invalid(absl::StrCat("'", key, "' must give every spatial dimension"));
    }
    for (const nlohmann::json& item : value) {
      ASSIGN_OR_RETURN(auto pair, pair_of(item));
      pairs.push_back(pair);
    }
  }
  for (const auto& [before, after] : pairs) {
    if (before < 0 || after < 0 || before > (1 << 30) || after > (1 << 30)) return Invalid(absl::StrCat("bad '", key, "'"));
  }
  return pairs;
}

}  // namespace

absl::StatusOr<std::vector<ValueId>> ConvertCropping(LayerBuilder& b) {
  const int64_t spatial = SpatialRankOf(b.layer().class_name);
  ASSIGN_OR_RETURN(int64_t first, FirstSpatialAxis(b, spatial));
  const auto it = b.config().find("cropping");
  const nlohmann::json value = it == b.config().end() ? nlohmann::json(1) : *it;
  ASSIGN_OR_RETURN(auto pairs, PairsPerDimension(value, spatial, "cropping"));
  std::vector<int64_t> starts, ends, axes;
  for (int64_t d = 0; d < spatial; ++d) {
    const int64_t size = b.InputShape(0)[first + d];
    if (pairs[d].first + pairs[d].second >= size) return Invalid("the cropping leaves nothing");
    starts.push_back(pairs[d].first);
    ends.push_back(size - pairs[d].second);
    axes.push_back(first + d);
  }
  auto ints = [&](const std::string& role, const std::vector<int64_t>& values) {
    return b.AddConstant(role, TensorData::FromInt64s({static_cast<int64_t>(values.size())}, values));
  };
  ASSIGN_OR_RETURN(ValueId y,
                   b.AddNode(OpKind::kSlice, "crop", {b.Input(0), ints("starts", starts), ints("ends", ends), ints("axes", axes)}));
  return std::vector<ValueId>{y};
}

absl::StatusOr<std::vector<ValueId>> ConvertUpSampling(LayerBuilder& b) {
  const int64_t spatial = SpatialRankOf(b.layer().class_name);
  ASSIGN_OR_RETURN(int64_t first, FirstSpatialAxis(b, spatial));
  ASSIGN_OR_RETURN(std::vector<int64_t> size, ConfigInts(b.config(), "size", spatial, std::vector<int64_t>(spatial, 2)));
  ASSIGN_OR_RETURN(std::string interpolation, ConfigString(b.config(), "interpolation", "nearest"));
  std::vector<float> scales(spatial + 2, 1.0f);
  for (int64_t d = 0; d < spatial; ++d) {
    if (size[d] < 1 || size[d] > 1024) return Invalid("'size' must be in [1, 1024]");
    scales[first + d] = static_cast<float>(size[d]);
  }
  AttributeMap attributes;
  if (interpolation == "nearest") {
    attributes.Set("mode", std::string("nearest"));
    attributes.Set("coordinate_transformation_mode", std::string("asymmetric"));
    attributes.Set("nearest_mode", std::string("floor"));
  } else if (interpolation == "bilinear") {
    attributes.Set("mode", std::string("linear"));
    attributes.Set("coordinate_transformation_mode", std::string("half_pixel"));
  } else {
    return absl::UnimplementedError(absl::StrCat("interpolation '", interpolation, "' is not supported"));
  }
  const ValueId scales_value = b.AddConstant("scales", TensorData::FromFloats({spatial + 2}, scales));
  ASSIGN_OR_RETURN(ValueId y, b.AddNode(OpKind::kResize, "resize", {b.Input(0), kNoValue, scales_value}, std::move(attributes)));
  return std::vector<ValueId>{y};
}

// (batch, features) -> (batch, n, features).
absl::StatusOr<std::vector<ValueId>> ConvertRepeatVector(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  const Shape x = b.InputShape(0);
  if (x.size() != 2) return Invalid(absl::StrCat("the input must be (batch, features), not ", ShapeToString(x)));
  ASSIGN_OR_RETURN(int64_t n, ConfigInt(b.config(), "n", 0));
  if (n < 1 || n > (1 << 20)) return Invalid("'n' must be positive");
  ASSIGN_OR_RETURN(ValueId rows, b.Reshaped(b.Input(0), {x[0], 1, x[1]}, "row"));
  const ValueId repeats = b.AddConstant("repeats", TensorData::FromInt64s({3}, std::vector<int64_t>{1, n, 1}));
  ASSIGN_OR_RETURN(ValueId y, b.AddNode(OpKind::kTile, "tile", {rows, repeats}));
  return std::vector<ValueId>{y};
}

// Indices of any shape -> their rows of the (input_dim, output_dim) table. Float
// indices are cast to int32 first, as Keras casts them. An index outside the table
// reads zeros (the generated code has no error path).
absl::StatusOr<std::vector<ValueId>> ConvertEmbedding(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  ASSIGN_OR_RETURN(int64_t input_dim, ConfigInt(b.config(), "input_dim", 0));
  ASSIGN_OR_RETURN(int64_t output_dim, ConfigInt(b.config(), "output_dim", 0));
  ASSIGN_OR_RETURN(bool mask_zero, ConfigBool(b.config(), "mask_zero", false));
  if (mask_zero) return absl::UnimplementedError("mask_zero (a mask for the layers after it) is not supported");
  if (input_dim < 1 || output_dim < 1) return Invalid("its input_dim and output_dim must be positive");
  RETURN_IF_ERROR(b.ExpectWeights(1));
  ASSIGN_OR_RETURN(TensorData table, b.Weight(0, {input_dim, output_dim}, "embeddings"));
  ValueId indices = b.Input(0);
  const DataType type = b.graph().value(indices).type.element_type;
  if (type != DataType::kInt32 && type != DataType::kInt64) {
    AttributeMap attributes;
    attributes.Set("to", static_cast<int64_t>(DataType::kInt32));
    ASSIGN_OR_RETURN(indices, b.AddNode(OpKind::kCast, "indices", {indices}, std::move(attributes)));
  }
  AttributeMap attributes;
  attributes.Set("axis", int64_t{0});
  ASSIGN_OR_RETURN(ValueId y, b.AddNode(OpKind::kGatherAtRunTime, "gather",
                                        {b.AddConstant("embeddings", std::move(table)), indices}, std::move(attributes)));
  return std::vector<ValueId>{y};
}

}  // namespace modelc::keras_layers
