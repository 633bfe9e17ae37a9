// The opset shims (Upgrade hooks, own_op_hooks.h) of the ops of their own whose code is
// not yet in compiler/ops/: most have nothing to bring forward. Legacy forms whose
// meaning differs from today's are refused, never guessed.
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status UpgradeHardmax(Node& node, int64_t opset) {
  // Before opset 13, the input is flattened to 2-D at the axis.
  if (opset < 13) node.attributes.Set("coerce_to_2d", int64_t{1});
  return absl::OkStatus();
}

absl::Status UpgradeBatchNormalization(Node& node, int64_t opset) {
  ASSIGN_OR_RETURN(int64_t spatial, node.attributes.GetInt("spatial", 1));  // opsets 7 and 8
  if (spatial != 1) return absl::UnimplementedError("BatchNormalization with spatial=0 is not supported");
  return absl::OkStatus();
}

absl::Status UpgradeResize(Node& node, int64_t opset) {
  if (opset < 11 && node.inputs.size() == 2) {
    node.inputs = {node.inputs[0], kNoValue, node.inputs[1]};  // opset 10: (X, scales)
  }
  return absl::OkStatus();
}

absl::Status UpgradeClip(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeTranspose(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeConcat(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeGlobalMaxPool(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeGemm(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeMatMul(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeConv(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeMaxPool(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeAveragePool(Node& node, int64_t opset) { return absl::OkStatus(); }
// LpPool-1's p was a float; from opset 2 it is an integer (opset 18 adds dilations and
// ceil_mode, whose defaults are the older behaviour).
absl::Status UpgradeLpPool(Node& node, int64_t opset) {
  if (opset < 2) return absl::UnimplementedError("LpPool of opset 1 (a float p) is not supported");
  return absl::OkStatus();
}
absl::Status UpgradeGlobalAveragePool(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeLayerNormalization(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeArgMax(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeArgMin(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeUpsample(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeConvTranspose(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeInstanceNormalization(Node& node, int64_t opset) { return absl::OkStatus(); }

}  // namespace modelc
