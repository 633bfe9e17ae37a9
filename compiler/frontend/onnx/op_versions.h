// Which ONNX opsets and IR versions modelc reads, and what it knows of the operator
// versions the system's ONNX library (1.12: opsets up to 17, IR up to 8) does not.
//
// modelc's own rules validate every opset. For opsets up to 17 the library's operator
// schemas say which attributes an op has; past 17 the schema at 17 plus the changes
// listed in op_versions.cc (from ONNX's operator history) do. An attribute neither
// names is refused rather than ignored: a newer opset's new attribute may change what
// the op computes.
#ifndef MODELC_FRONTEND_ONNX_OP_VERSIONS_H_
#define MODELC_FRONTEND_ONNX_OP_VERSIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace modelc {

inline constexpr int64_t kMinOnnxOpset = 1;
inline constexpr int64_t kMaxOnnxOpset = 28;     // the newest ONNX release's (1.23)
inline constexpr int64_t kMaxOnnxIrVersion = 14;  // likewise
// The newest opset and IR version the system's ONNX checker and shape inference know:
// models past them are validated by modelc's rules alone.
inline constexpr int64_t kMaxOnnxLibraryOpset = 17;
inline constexpr int64_t kMaxOnnxLibraryIrVersion = 8;

// ONNX's default operator domain: "" or its name "ai.onnx".
inline bool IsDefaultOnnxDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// ONNX Runtime's operator domain, whose quantised ops (QLinearAdd, QGemm, ...) its
// quantiser writes.
inline constexpr char kMicrosoftDomain[] = "com.microsoft";

// OK when every attribute of `node` is one its op has: at `opset` for the default
// domain, in ONNX Runtime's schema for com.microsoft (op_versions.cc lists them); an op
// of another domain is not checked. Otherwise names the first that is not.
absl::Status CheckAttributesKnown(const onnx::NodeProto& node, int64_t opset);

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_OP_VERSIONS_H_
