// QuantizedLstm's hooks: geometry, shape rule, reference and kernel (quantized_lstm.h
// states the arithmetic). The reference and the kernel share gemmlowp_int16.h's logistic
// and tanh; each batch entry runs its steps in order, the four gates of a step from the
// previous hidden state, then the cell and hidden states unit by unit.
#include "compiler/ops/quantized_lstm/quantized_lstm.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/gemmlowp_int16.h"
#include "compiler/ops/quantize/product_requantizer.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr int kGates = 4;     // i, f, g, o
constexpr int kCellGate = 2;  // g: tanh
constexpr int kGateIntegerBits = 3;

absl::StatusOr<FixedPointMultiplier> MultiplierAt(const std::vector<int64_t>& values, size_t at) {
  const int64_t multiplier = values[at], shift = values[at + 1];
  if (multiplier < 0 || multiplier > INT32_MAX || shift < -31 || shift > 30) {
    return absl::InvalidArgumentError(absl::StrCat("QuantizedLstm's multiplier ", multiplier, " x 2^", shift,
                                                   " is out of range"));
  }
  return FixedPointMultiplier{static_cast<int32_t>(multiplier), static_cast<int32_t>(shift)};
}

// Plain integers for the reference: int16 results in int32.
struct IntegerArithmetic {
  using V = int32_t;
  using C = bool;
  V Const(int32_t v) { return v; }
  V Add(V x, V y) { return x + y; }
  V Sub(V x, V y) { return x - y; }
  V Mul(V x, V y) { return x * y; }
  V And(V x, V y) { return x & y; }
  V Shl(V x, int n) { return static_cast<int32_t>(static_cast<uint32_t>(x) << n); }
  V AShr(V x, int n) { return x >> n; }
  V Wrap16(V x) { return static_cast<int16_t>(x); }
  C Lt(V x, V y) { return x < y; }
  C Gt(V x, V y) { return x > y; }
  C Eq(V x, V y) { return x == y; }
  C Both(C x, C y) { return x && y; }
  V Select(C c, V x, V y) { return c ? x : y; }
};

// The same steps as LLVM IR on i32 values.
struct GeneratedArithmetic {
  llvm::IRBuilder<>& b;
  using V = llvm::Value*;
  using C = llvm::Value*;
  V Const(int32_t v) { return b.getInt32(v); }
  V Add(V x, V y) { return b.CreateAdd(x, y); }
  V Sub(V x, V y) { return b.CreateSub(x, y); }
  V Mul(V x, V y) { return b.CreateMul(x, y); }
  V And(V x, V y) { return b.CreateAnd(x, y); }
  V Shl(V x, int n) { return b.CreateShl(x, n); }
  V AShr(V x, int n) { return b.CreateAShr(x, n); }
  V Wrap16(V x) { return b.CreateSExt(b.CreateTrunc(x, b.getInt16Ty()), b.getInt32Ty()); }
  C Lt(V x, V y) { return b.CreateICmpSLT(x, y); }
  C Gt(V x, V y) { return b.CreateICmpSGT(x, y); }
  C Eq(V x, V y) { return b.CreateICmpEQ(x, y); }
  C Both(C x, C y) { return b.CreateAnd(x, y); }
  V Select(C c, V x, V y) { return b.CreateSelect(c, x, y); }
};

// gemmlowp's 16-bit logistic (`tanh` false) or tanh of `integer_bits` as a private
// function of the object (one per kind and integer bits, however many LSTMs call it: a
// model's LSTMs share their activations' code), with the calling kernel's function
// attributes (its target's CPU and features), never inlined.
llvm::Function* ActivationFunction(KernelContext& k, bool tanh, int integer_bits) {
  const std::string name = absl::StrCat(tanh ? "modelc.gemmlowp_tanh_q" : "modelc.gemmlowp_logistic_q", integer_bits);
  if (llvm::Function* existing = k.module.getFunction(name)) return existing;
  llvm::LLVMContext& context = k.module.getContext();
  llvm::Type* i32 = llvm::Type::getInt32Ty(context);
  llvm::Function* function = llvm::Function::Create(llvm::FunctionType::get(i32, {i32}, false),
                                                    llvm::GlobalValue::PrivateLinkage, name, k.module);
  llvm::AttrBuilder attributes(context, k.b.GetInsertBlock()->getParent()->getAttributes().getFnAttrs());
  attributes.addAttribute(llvm::Attribute::NoInline);
  function->addFnAttrs(attributes);
  function->setDoesNotAccessMemory();
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", function));
  GeneratedArithmetic arithmetic{b};
  GemmlowpInt16<GeneratedArithmetic> functions(arithmetic);
  llvm::Value* x = function->getArg(0);
  b.CreateRet(tanh ? functions.Tanh(x, integer_bits) : functions.Logistic(x, integer_bits));
  return function;
}

int32_t Saturate(int64_t v, int32_t low, int32_t high) { return static_cast<int32_t>(std::clamp<int64_t>(v, low, high)); }

}  // namespace

absl::StatusOr<QuantizedLstmGeometry> ResolveQuantizedLstm(const Graph& graph, const Node& node) {
  QuantizedLstmGeometry g;
  const TensorType& x = graph.InputType(node, 0);
  if (x.element_type != DataType::kInt8 || x.shape.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat("QuantizedLstm reads an int8 tensor of rank 3, not ", x.ToString()));
  }
  ASSIGN_OR_RETURN(int64_t layout, node.attributes.GetInt("layout", 1));
  g.time_major = layout == 0;
  g.steps = g.time_major ? x.shape[0] : x.shape[1];
  g.batch = g.time_major ? x.shape[1] : x.shape[0];
  g.features = x.shape[2];
  const TensorType& w = graph.InputType(node, 3);
  if (w.element_type != DataType::kInt8 || w.shape.size() != 2 || w.shape[0] % kGates != 0 || w.shape[0] == 0 ||
      w.shape[1] != g.features) {
    return absl::InvalidArgumentError(absl::StrCat("QuantizedLstm's W must be int8 [4 units, ", g.features, "], not ",
                                                   w.ToString()));
  }
  g.units = w.shape[0] / kGates;
  if (graph.InputType(node, 4) != TensorType{DataType::kInt8, {kGates * g.units, g.units}} ||
      graph.InputType(node, 5) != TensorType{DataType::kInt32, {2 * kGates * g.units}}) {
    return absl::InvalidArgumentError("QuantizedLstm's R must be int8 [4 units, units] and its biases int32 [8 units]");
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> gates, node.attributes.GetInts("gate_multipliers", {}));
  ASSIGN_OR_RETURN(std::vector<int64_t> hidden, node.attributes.GetInts("hidden_multiplier", {}));
  if (gates.size() != 4 * kGates || hidden.size() != 2) {
    return absl::InvalidArgumentError("QuantizedLstm needs 16 gate_multipliers and 2 hidden_multiplier values");
  }
  for (int q = 0; q < kGates; ++q) {
    ASSIGN_OR_RETURN(g.input_multipliers[q], MultiplierAt(gates, 4 * q));
    ASSIGN_OR_RETURN(g.recurrent_multipliers[q], MultiplierAt(gates, 4 * q + 2));
  }
  ASSIGN_OR_RETURN(g.hidden_multiplier, MultiplierAt(hidden, 0));
  ASSIGN_OR_RETURN(int64_t hidden_zero_point, node.attributes.GetInt("hidden_zero_point", 0));
  ASSIGN_OR_RETURN(int64_t state_zero_point, node.attributes.GetInt("state_zero_point", 0));
  ASSIGN_OR_RETURN(int64_t cell_exponent, node.attributes.GetInt("cell_exponent", -15));
  ASSIGN_OR_RETURN(int64_t cell_clip, node.attributes.GetInt("cell_clip", 0));
  if (hidden_zero_point < -128 || hidden_zero_point > 127 || state_zero_point < -128 || state_zero_point > 127 ||
      cell_exponent < -30 || cell_exponent > -9 || cell_clip < 0 || cell_clip > 32767) {
    return absl::InvalidArgumentError(absl::StrCat("QuantizedLstm's zero points (", hidden_zero_point, ", ",
                                                   state_zero_point, "), cell exponent ", cell_exponent, " or clip ",
                                                   cell_clip, " are out of range"));
  }
  g.hidden_zero_point = static_cast<int32_t>(hidden_zero_point);
  g.state_zero_point = static_cast<int32_t>(state_zero_point);
  g.cell_exponent = static_cast<int>(cell_exponent);
  g.cell_clip = static_cast<int32_t>(cell_clip);
  return g;
}

absl::Status UpgradeQuantizedLstm(Node&, int64_t) { return absl::OkStatus(); }  // internal: one form

absl::StatusOr<std::vector<TensorType>> InferQuantizedLstm(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(QuantizedLstmGeometry g, ResolveQuantizedLstm(graph, node));
  ASSIGN_OR_RETURN(QuantizationParameters y,
                   ResolveQuantization(graph, node, 6, 7, graph.InputType(node, 0).shape, std::nullopt, "y"));
  if (y.type != DataType::kInt8) return absl::InvalidArgumentError("QuantizedLstm's output is int8");
  Shape shape = graph.InputType(node, 0).shape;
  shape[2] = g.units;
  return std::vector<TensorType>{TensorType{DataType::kInt8, shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateQuantizedLstm(const Graph& graph, const Node& node,
                                                              const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(QuantizedLstmGeometry g, ResolveQuantizedLstm(graph, node));
  const std::vector<int32_t> x = ElementsAsInt32(*inputs[0]), w = ElementsAsInt32(*inputs[3]),
                             r = ElementsAsInt32(*inputs[4]), bias = ElementsAsInt32(*inputs[5]);
  IntegerArithmetic arithmetic;
  GemmlowpInt16<IntegerArithmetic> functions(arithmetic);
  const int64_t units = g.units;
  std::vector<int32_t> y(static_cast<size_t>(g.steps * g.batch * units));
  for (int64_t b = 0; b < g.batch; ++b) {
    std::vector<int32_t> h(units, g.state_zero_point), c(units, 0), gates(kGates * units);
    for (int64_t t = 0; t < g.steps; ++t) {
      const int32_t* x_t = &x[g.At(t, b, g.features)];
      for (int64_t row = 0; row < kGates * units; ++row) {
        const int q = static_cast<int>(row / units);
        int32_t input_sum = bias[row], recurrent_sum = bias[kGates * units + row];
        for (int64_t f = 0; f < g.features; ++f) input_sum = WrappingAdd(input_sum, w[row * g.features + f] * x_t[f]);
        for (int64_t k = 0; k < units; ++k) recurrent_sum = WrappingAdd(recurrent_sum, r[row * units + k] * h[k]);
        int32_t s = Saturate(MultiplyByFixedPoint(input_sum, g.input_multipliers[q]), -32768, 32767);
        s = Saturate(WrappingAdd(MultiplyByFixedPoint(recurrent_sum, g.recurrent_multipliers[q]), s), -32768, 32767);
        gates[row] = q == kCellGate ? functions.Tanh(s, kGateIntegerBits) : functions.Logistic(s, kGateIntegerBits);
      }
      for (int64_t j = 0; j < units; ++j) {
        const int32_t i = gates[j], f = gates[units + j], cell_input = gates[2 * units + j], o = gates[3 * units + j];
        const int32_t kept = static_cast<int16_t>(RoundingDivideByPowerOfTwo(f * c[j], 15));
        const int32_t added = static_cast<int16_t>(RoundingDivideByPowerOfTwo(i * cell_input, 30 + g.cell_exponent));
        c[j] = Saturate(int64_t{kept} + added, -32768, 32767);
        if (g.cell_clip > 0) c[j] = std::clamp(c[j], -g.cell_clip, g.cell_clip);
        const int bits = g.CellTanhIntegerBits();
        const int32_t activated = bits >= 0 ? functions.Tanh(c[j], bits) : i;
        h[j] = Saturate(WrappingAdd(MultiplyByFixedPoint(o * activated, g.hidden_multiplier), g.hidden_zero_point), -128,
                        127);
        y[g.At(t, b, units) + j] = h[j];
      }
    }
  }
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y)};
}

absl::Status EmitQuantizedLstmKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(QuantizedLstmGeometry g, ResolveQuantizedLstm(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const int64_t units = g.units;
  llvm::Value* cell = k.Workspace("cell_state", g.batch * units * 2);
  llvm::Value* gates = k.Workspace("gates", kGates * units * 2);
  llvm::Value* hidden = k.Workspace("hidden_state", g.batch * units);
  std::vector<int32_t> multipliers;
  for (int q = 0; q < kGates; ++q) {
    for (const FixedPointMultiplier& m : {g.input_multipliers[q], g.recurrent_multipliers[q]}) {
      multipliers.push_back(m.multiplier);
      multipliers.push_back(m.shift);
    }
  }
  llvm::Value* table = k.ConstantInt32s(multipliers, "lstm_gate_multipliers");
  GeneratedArithmetic arithmetic{b};
  GemmlowpInt16<GeneratedArithmetic> functions(arithmetic);
  // An activation that several LSTMs of the model compute (the gates' always, the cell
  // state's where their cell scales agree) is a shared function on a core that does not
  // vectorise it (Cortex-M4, the lstm test model: 8,556 -> 6,288 code bytes for 0.3%
  // more instructions) and under --optimize size; one LSTM's own, or any on a vector core
  // in the other modes (LLVM vectorises the inlined activations over the units: the
  // Cortex-M55 ran 6% more instructions with calls), is computed in place.
  const bool vector_core = k.target.helium || k.target.vector_lanes > 1;
  const bool may_share = !vector_core || k.lowering.target.code_size_first;
  auto lstms_with_cell_bits = [&](std::optional<int> bits) {
    return std::count_if(k.graph.nodes().begin(), k.graph.nodes().end(), [&](const Node& n) {
      if (n.op != OpKind::kQuantizedLstm) return false;
      if (!bits) return true;
      absl::StatusOr<QuantizedLstmGeometry> other = ResolveQuantizedLstm(k.graph, n);
      return other.ok() && other->CellTanhIntegerBits() == *bits;
    });
  };
  const bool share_gates = may_share && lstms_with_cell_bits(std::nullopt) > 1;
  const bool share_cell = may_share && lstms_with_cell_bits(g.CellTanhIntegerBits()) > 1;
  auto activation = [&](bool shared, bool tanh, int integer_bits, llvm::Value* x) -> llvm::Value* {
    if (shared) return b.CreateCall(ActivationFunction(k, tanh, integer_bits), {x});
    return tanh ? functions.Tanh(x, integer_bits) : functions.Logistic(x, integer_bits);
  };
  llvm::Value* sum = k.EntryAlloca(b.getInt32Ty());
  llvm::Value* activated = k.EntryAlloca(b.getInt32Ty());
  auto i32 = [&](DataType type, llvm::Value* base, llvm::Value* index) {
    return b.CreateSExt(k.LoadAs(type, base, index), b.getInt32Ty());
  };
  auto saturate = [&](llvm::Value* v, int32_t low, int32_t high) {
    return k.Max(k.Min(v, b.getInt32(high)), b.getInt32(low));
  };
  // sum = bias + the row of `matrix` (`width` columns) times `vector` (int8 each).
  auto dot = [&](llvm::Value* bias_index, llvm::Value* matrix, llvm::Value* row, int64_t width, llvm::Value* vector,
                 llvm::Value* vector_base) {
    b.CreateStore(i32(DataType::kInt32, k.in[5], bias_index), sum);
    llvm::Value* row_base = b.CreateMul(row, k.Int(width));
    k.Loop(width, [&](llvm::Value* column) {
      llvm::Value* product = b.CreateMul(i32(DataType::kInt8, matrix, b.CreateAdd(row_base, column)),
                                         i32(DataType::kInt8, vector, b.CreateAdd(vector_base, column)));
      b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt32Ty(), sum), product), sum);
    });
    return b.CreateLoad(b.getInt32Ty(), sum);
  };
  auto multiplier = [&](llvm::Value* gate, int which) {  // which: 0 input, 1 recurrent
    llvm::Value* at = b.CreateAdd(b.CreateMul(gate, k.Int(4)), k.Int(2 * which));
    return std::pair{k.LoadAs(DataType::kInt32, table, at), k.LoadAs(DataType::kInt32, table, b.CreateAdd(at, k.Int(1)))};
  };
  k.Loop(g.batch * units, [&](llvm::Value* e) {
    k.StoreAs(DataType::kInt16, b.getInt16(0), cell, e);
    k.StoreAs(DataType::kInt8, b.getInt8(static_cast<uint8_t>(g.state_zero_point)), hidden, e);
  });
  k.Loop(g.batch, [&](llvm::Value* batch) {
    llvm::Value* state_base = b.CreateMul(batch, k.Int(units));
    k.Loop(g.steps, [&](llvm::Value* step) {
      auto at = [&](int64_t width) {  // QuantizedLstmGeometry::At
        llvm::Value* position = g.time_major ? b.CreateAdd(b.CreateMul(step, k.Int(g.batch)), batch)
                                             : b.CreateAdd(b.CreateMul(batch, k.Int(g.steps)), step);
        return b.CreateMul(position, k.Int(width));
      };
      llvm::Value* x_base = at(g.features);
      k.Loop(kGates, [&](llvm::Value* gate) {
        k.Loop(units, [&](llvm::Value* unit) {
          llvm::Value* row = b.CreateAdd(b.CreateMul(gate, k.Int(units)), unit);
          llvm::Value* input_sum = dot(row, k.in[3], row, g.features, k.in[0], x_base);
          const auto [mx, sx] = multiplier(gate, 0);
          llvm::Value* s = saturate(EmitMultiplyByFixedPoint(k, input_sum, mx, sx, false), -32768, 32767);
          llvm::Value* recurrent_sum = dot(b.CreateAdd(row, k.Int(kGates * units)), k.in[4], row, units, hidden, state_base);
          const auto [mh, sh] = multiplier(gate, 1);
          s = saturate(b.CreateAdd(EmitMultiplyByFixedPoint(k, recurrent_sum, mh, sh, false), s), -32768, 32767);
          llvm::Value* is_cell_gate = b.CreateICmpEQ(gate, k.Int(kCellGate));
          k.When(is_cell_gate, [&] { b.CreateStore(activation(share_gates, true, kGateIntegerBits, s), activated); });
          k.When(b.CreateNot(is_cell_gate),
                 [&] { b.CreateStore(activation(share_gates, false, kGateIntegerBits, s), activated); });
          k.StoreAs(DataType::kInt16, b.CreateTrunc(b.CreateLoad(b.getInt32Ty(), activated), b.getInt16Ty()), gates, row);
        });
      });
      llvm::Value* y_base = at(units);
      k.Loop(units, [&](llvm::Value* j) {
        auto gate = [&](int q) { return i32(DataType::kInt16, gates, b.CreateAdd(j, k.Int(q * units))); };
        llvm::Value* i = gate(0);
        llvm::Value* state = b.CreateAdd(state_base, j);
        llvm::Value* kept = arithmetic.Wrap16(
            EmitRoundingDivideByPowerOfTwo(b, b.CreateMul(gate(1), i32(DataType::kInt16, cell, state)), b.getInt32(15)));
        llvm::Value* added = arithmetic.Wrap16(
            EmitRoundingDivideByPowerOfTwo(b, b.CreateMul(i, gate(2)), b.getInt32(30 + g.cell_exponent)));
        llvm::Value* c = saturate(b.CreateAdd(kept, added), -32768, 32767);
        if (g.cell_clip > 0) c = saturate(c, -g.cell_clip, g.cell_clip);
        k.StoreAs(DataType::kInt16, b.CreateTrunc(c, b.getInt16Ty()), cell, state);
        const int bits = g.CellTanhIntegerBits();
        llvm::Value* t = bits >= 0 ? activation(share_cell, true, bits, c) : i;
        llvm::Value* h = EmitMultiplyByFixedPoint(k, b.CreateMul(gate(3), t), b.getInt32(g.hidden_multiplier.multiplier),
                                                  b.getInt32(g.hidden_multiplier.shift), false);
        h = b.CreateTrunc(saturate(b.CreateAdd(h, b.getInt32(g.hidden_zero_point)), -128, 127), b.getInt8Ty());
        k.StoreAs(DataType::kInt8, h, hidden, state);
        k.StoreAs(DataType::kInt8, h, k.out[0], b.CreateAdd(y_base, j));
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
