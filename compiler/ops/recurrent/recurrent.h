// RNN, GRU and LSTM: the recurrence's sizes, layout and gate functions, shared by the
// op's own files (recurrent.cc, recurrent_kernel.cc) and its lowering
// (lowering/recurrent_lowering.h).
//   inputs  X, W, R, B, sequence_lens, initial_h, initial_c (LSTM), P (LSTM)
//   outputs Y [seq, dirs, batch, hidden], Y_h [dirs, batch, hidden], Y_c (LSTM)
//   (layout = 1: X is [batch, seq, input], Y [batch, seq, dirs, hidden], the states
//   [batch, dirs, hidden]). Gates are ONNX's: LSTM i, o, f, c; GRU z, r, h; RNN one.
#ifndef MODELC_OPS_RECURRENT_RECURRENT_H_
#define MODELC_OPS_RECURRENT_RECURRENT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/op_geometry.h"

namespace modelc {

inline constexpr int kRecurrentBias = 3, kRecurrentSequenceLengths = 4, kRecurrentInitialH = 5,
                     kRecurrentInitialC = 6, kRecurrentPeepholes = 7;

struct RecurrentGeometry {
  int64_t seq = 0, batch = 0, input_size = 0, hidden = 0, directions = 1;
  int64_t gates = 1;            // 1 (RNN), 3 (GRU), 4 (LSTM)
  bool reverse_only = false;    // direction = reverse (one direction, run backwards)
  bool batch_first = false;     // layout = 1
  float clip = 0.0f;            // 0: none; else gate inputs are clipped to [-clip, clip]
  float cell_clip = 0.0f;       // LSTM (kFusedCellClip): 0 none; else each new cell state to [-it, it]
  bool input_forget = false;    // LSTM: f = 1 - i
  bool linear_before_reset = false;  // GRU
  // f, g[, h] per direction: RNN uses f; GRU f (gates) and g (candidate); LSTM f, g, h.
  std::vector<ElementwiseFunction> activations;
  bool HasInput(const Graph& graph, const Node& node, int i) const { return graph.HasInput(node, i); }
  // Element offsets of X[t, b, :] and Y[t, d, b, :] and of state [d, b, :], by layout.
  int64_t XOffset(int64_t t, int64_t b) const { return (batch_first ? b * seq + t : t * batch + b) * input_size; }
  int64_t YOffset(int64_t t, int64_t d, int64_t b) const {
    return (batch_first ? (b * seq + t) * directions + d : (t * directions + d) * batch + b) * hidden;
  }
  int64_t StateOffset(int64_t d, int64_t b) const { return (batch_first ? b * directions + d : d * batch + b) * hidden; }
  Shape YShape() const { return batch_first ? Shape{batch, seq, directions, hidden} : Shape{seq, directions, batch, hidden}; }
  Shape StateShape() const { return batch_first ? Shape{batch, directions, hidden} : Shape{directions, batch, hidden}; }
};

absl::StatusOr<RecurrentGeometry> ResolveRecurrent(const Graph& graph, const Node& node);

}  // namespace modelc

#endif  // MODELC_OPS_RECURRENT_RECURRENT_H_
