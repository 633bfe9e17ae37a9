// QuantizedLstm (modelc's own, internal): TFLite's integer LSTM, the int8 form of
// UNIDIRECTIONAL_SEQUENCE_LSTM ("8x8->16": int8 input, weights and hidden state, an int16
// cell state of a power-of-two scale, gates in int16), computed as TFLite's kernel
// computes it (lstm_eval.cc's LstmStepInteger8x8_16 with the portable tensor_utils; the
// parameters as its Prepare makes them, in the TFLite frontend). Per batch entry and time
// step, for each gate (i, f, g, o) and unit j:
//   s = sat16(MBQM(bx[j] + W x, mx)); s = sat16(MBQM(bh[j] + R h, mh) + s)
//   gate = logistic(s) (i, f, o) or tanh(s) (g), s in Q3.12, gate in Q0.15
// then, with e the cell state's exponent (its scale 2^e):
//   c = sat16(wrap16(rdiv(f c, 2^15)) + wrap16(rdiv(i g, 2^(30 + e)))), clamped to +-clip
//   h = clamp8(MBQM(o tanh(c), mo) + hidden_zero_point), tanh of c in Q(15 + e)
// (MBQM TFLite's MultiplyByQuantizedMultiplier, rdiv a division rounding halves away from
// zero, the input and state zero points folded into the biases bx, bh; TensorFlow 2.15
// adds the hidden zero point where some TFLite sources subtract it: the test data
// decided). Where 15 + e is not in 0 .. 6 TFLite's tanh writes nothing and h is computed
// from o and the input gate i still in its buffer: this op does the same.
// Inputs: x (int8; [batch, time, features], or [time, batch, features] with layout 0),
// x_scale, x_zero_point, W (int8 [4 units, features], gates i, f, g, o), R (int8 [4 units,
// units]), the biases (int32 [8 units]: bx of the four gates, then bh), y_scale,
// y_zero_point (the pairs are the header's: the arithmetic has them folded in already). Attributes: layout, gate_multipliers (16: per gate mx,
// its shift, mh, its shift), hidden_multiplier (2), hidden_zero_point, state_zero_point
// (h before the first step), cell_exponent, cell_clip (0: none).
#ifndef MODELC_OPS_QUANTIZED_LSTM_QUANTIZED_LSTM_H_
#define MODELC_OPS_QUANTIZED_LSTM_QUANTIZED_LSTM_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"

namespace modelc {

struct QuantizedLstmGeometry {
  int64_t batch = 0, steps = 0, features = 0, units = 0;
  bool time_major = false;
  std::array<FixedPointMultiplier, 4> input_multipliers, recurrent_multipliers;  // gates i, f, g, o
  FixedPointMultiplier hidden_multiplier;
  int32_t hidden_zero_point = 0, state_zero_point = 0;
  int cell_exponent = 0;
  int32_t cell_clip = 0;
  // The integer bits of the cell state's tanh, or -1 where TFLite computes none (the quirk).
  int CellTanhIntegerBits() const { return 15 + cell_exponent >= 0 && 15 + cell_exponent <= 6 ? 15 + cell_exponent : -1; }
  // Element (step t, batch entry b, column) of x (`width` features) or y (`width` units).
  int64_t At(int64_t t, int64_t b, int64_t width) const {
    return (time_major ? t * batch + b : b * steps + t) * width;
  }
};

absl::StatusOr<QuantizedLstmGeometry> ResolveQuantizedLstm(const Graph& graph, const Node& node);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZED_LSTM_QUANTIZED_LSTM_H_
