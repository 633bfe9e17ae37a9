// The kernels of RNN, GRU and LSTM (their Emit hooks): one direction after the other, time steps in order, each batch
// entry's gate inputs as matrix-vector products over the weights (read where they
// are: constants or run-time inputs), then the gate functions elementwise. The states
// and one step's gate inputs live in the node's workspace buffers
// (lowering/recurrent_lowering.h); sequence_lens, when given, is read at run time
// (steps past a sequence's end leave zeros in Y and the state).
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/recurrent/recurrent.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

class RecurrentEmitter {
 public:
  RecurrentEmitter(KernelContext& k, const RecurrentGeometry& g) : k_(k), b_(k.b), g_(g) {
    const int64_t state = g.batch * g.hidden;
    h_ = k.Workspace("hidden_state", state * 4);
    c_ = k.Workspace("cell_state", state * 4);
    pre_ = k.Workspace("gate_inputs", g.gates * g.hidden * 4);
    reset_h_ = k.Workspace("reset_hidden", g.hidden * 4);
    sum_ = k.EntryAlloca(k.F32());
  }

  void Emit() {
    const int64_t y_elements = ElementCount(g_.YShape());
    b_.CreateMemSet(k_.out[0], b_.getInt8(0), k_.Int(y_elements * 4), llvm::MaybeAlign(4));
    for (int64_t d = 0; d < g_.directions; ++d) EmitDirection(d);
  }

 private:
  bool Has(int input) const { return k_.graph.HasInput(k_.node, input); }
  int Functions() const { return k_.node.op == OpKind::kLSTM ? 3 : k_.node.op == OpKind::kGRU ? 2 : 1; }
  llvm::Value* Apply(int64_t d, int function, llvm::Value* v) {
    return EmitElementwiseFunction(k_, g_.activations[d * Functions() + function], v);
  }
  llvm::Value* Clip(llvm::Value* v) {
    return g_.clip > 0.0f ? EmitClamp(k_, v, k_.Float(-g_.clip), k_.Float(g_.clip)) : v;
  }

  // sum over k of matrix[row, k] * vector[k], for `count` columns.
  llvm::Value* Dot(llvm::Value* matrix_row, llvm::Value* vector, int64_t count) {
    b_.CreateStore(k_.Float(0.0f), sum_);
    k_.Loop(count, [&](llvm::Value* i) {
      b_.CreateStore(k_.ReassociableAdd(b_.CreateLoad(k_.F32(), sum_),
                                        b_.CreateFMul(k_.Load(matrix_row, i), k_.Load(vector, i))), sum_);
    });
    return b_.CreateLoad(k_.F32(), sum_);
  }

  // Row `row` (of direction d) of W, R, and its biases.
  llvm::Value* WRow(int64_t d, llvm::Value* row) {
    return k_.Address(k_.in[1], b_.CreateMul(b_.CreateAdd(k_.Int(d * g_.gates * g_.hidden), row), k_.Int(g_.input_size)));
  }
  llvm::Value* RRow(int64_t d, llvm::Value* row) {
    return k_.Address(k_.in[2], b_.CreateMul(b_.CreateAdd(k_.Int(d * g_.gates * g_.hidden), row), k_.Int(g_.hidden)));
  }
  llvm::Value* Bias(int64_t d, llvm::Value* row, bool recurrent) {
    if (!Has(kRecurrentBias)) return k_.Float(0.0f);
    const int64_t base = (d * 2 + (recurrent ? 1 : 0)) * g_.gates * g_.hidden;
    return k_.Load(k_.in[kRecurrentBias], b_.CreateAdd(k_.Int(base), row));
  }

  void EmitDirection(int64_t d) {
    const bool reverse = g_.reverse_only || d == 1;
    const int64_t H = g_.hidden;
    // Initial states.
    k_.Loop(g_.batch, [&](llvm::Value* batch) {
      k_.Loop(H, [&](llvm::Value* j) {
        llvm::Value* at = b_.CreateAdd(b_.CreateMul(batch, k_.Int(H)), j);
        llvm::Value* state_at = b_.CreateAdd(StateOffset(d, batch), j);
        k_.Store(Has(kRecurrentInitialH) ? k_.Load(k_.in[kRecurrentInitialH], state_at) : k_.Float(0.0f), h_, at);
        const bool lstm_c = k_.node.op == OpKind::kLSTM && Has(kRecurrentInitialC);
        k_.Store(lstm_c ? k_.Load(k_.in[kRecurrentInitialC], state_at) : k_.Float(0.0f), c_, at);
      });
    });
    k_.Loop(g_.seq, [&](llvm::Value* step) {
      k_.Loop(g_.batch, [&](llvm::Value* batch) {
        llvm::Value* length = k_.Int(g_.seq);
        if (Has(kRecurrentSequenceLengths)) {
          length = b_.CreateSExtOrTrunc(k_.LoadAs(DataType::kInt32, k_.in[kRecurrentSequenceLengths], batch), k_.Index());
          length = k_.Min(length, k_.Int(g_.seq));
        }
        k_.When(b_.CreateICmpSLT(step, length), [&] {
          llvm::Value* t = reverse ? b_.CreateSub(b_.CreateSub(length, k_.Int(1)), step) : step;
          EmitStep(d, t, batch);
        });
      }, /*allow_unrolling=*/false);
    }, /*allow_unrolling=*/false);
    // Final states.
    k_.Loop(g_.batch, [&](llvm::Value* batch) {
      k_.Loop(H, [&](llvm::Value* j) {
        llvm::Value* at = b_.CreateAdd(b_.CreateMul(batch, k_.Int(H)), j);
        llvm::Value* state_at = b_.CreateAdd(StateOffset(d, batch), j);
        if (k_.out.size() > 1) k_.Store(k_.Load(h_, at), k_.out[1], state_at);
        if (k_.out.size() > 2) k_.Store(k_.Load(c_, at), k_.out[2], state_at);
      });
    });
  }

  llvm::Value* StateOffset(int64_t d, llvm::Value* batch) {
    return g_.batch_first ? b_.CreateMul(b_.CreateAdd(b_.CreateMul(batch, k_.Int(g_.directions)), k_.Int(d)), k_.Int(g_.hidden))
                          : b_.CreateMul(b_.CreateAdd(k_.Int(d * g_.batch), batch), k_.Int(g_.hidden));
  }
  llvm::Value* XOffset(llvm::Value* t, llvm::Value* batch) {
    llvm::Value* row = g_.batch_first ? b_.CreateAdd(b_.CreateMul(batch, k_.Int(g_.seq)), t)
                                      : b_.CreateAdd(b_.CreateMul(t, k_.Int(g_.batch)), batch);
    return b_.CreateMul(row, k_.Int(g_.input_size));
  }
  llvm::Value* YOffset(llvm::Value* t, int64_t d, llvm::Value* batch) {
    llvm::Value* row = g_.batch_first
                           ? b_.CreateAdd(b_.CreateMul(b_.CreateAdd(b_.CreateMul(batch, k_.Int(g_.seq)), t), k_.Int(g_.directions)), k_.Int(d))
                           : b_.CreateAdd(b_.CreateMul(b_.CreateAdd(b_.CreateMul(t, k_.Int(g_.directions)), k_.Int(d)), k_.Int(g_.batch)), batch);
    return b_.CreateMul(row, k_.Int(g_.hidden));
  }

  void EmitStep(int64_t d, llvm::Value* t, llvm::Value* batch) {
    const int64_t H = g_.hidden;
    const bool gru = k_.node.op == OpKind::kGRU, lstm = k_.node.op == OpKind::kLSTM;
    llvm::Value* x = k_.Address(k_.in[0], XOffset(t, batch));
    llvm::Value* h = k_.Address(h_, b_.CreateMul(batch, k_.Int(H)));
    llvm::Value* c = k_.Address(c_, b_.CreateMul(batch, k_.Int(H)));
    // Gate inputs: W x + Wb (+ R h + Rb, except GRU's candidate rows, done below).
    k_.Loop(g_.gates * g_.hidden, [&](llvm::Value* row) {
      llvm::Value* v = b_.CreateFAdd(Dot(WRow(d, row), x, g_.input_size), Bias(d, row, false));
      if (!gru) {
        v = b_.CreateFAdd(v, b_.CreateFAdd(Dot(RRow(d, row), h, H), Bias(d, row, true)));
      } else {
        llvm::Value* gate_row = b_.CreateICmpSLT(row, k_.Int(2 * H));
        llvm::Value* recurrent = b_.CreateFAdd(Dot(RRow(d, row), h, H), Bias(d, row, true));
        v = b_.CreateSelect(gate_row, b_.CreateFAdd(v, recurrent), v);
        if (g_.linear_before_reset) {  // keep R h + Rb of the candidate rows in reset_h
          k_.When(b_.CreateNot(gate_row), [&] { k_.Store(recurrent, reset_h_, b_.CreateSub(row, k_.Int(2 * H))); });
        }
      }
      k_.Store(v, pre_, row);
    }, /*allow_unrolling=*/false);
    llvm::Value* y = k_.Address(k_.out[0], YOffset(t, d, batch));
    if (gru) {
      if (!g_.linear_before_reset) {  // the candidate's R acts on r (.) h
        k_.Loop(H, [&](llvm::Value* j) {
          llvm::Value* reset = Apply(d, 0, Clip(k_.Load(pre_, b_.CreateAdd(j, k_.Int(H)))));
          k_.Store(b_.CreateFMul(reset, k_.Load(h, j)), reset_h_, j);
        });
        k_.Loop(H, [&](llvm::Value* j) {
          llvm::Value* row = b_.CreateAdd(j, k_.Int(2 * H));
          llvm::Value* v = b_.CreateFAdd(k_.Load(pre_, row), b_.CreateFAdd(Dot(RRow(d, row), reset_h_, H), Bias(d, row, true)));
          k_.Store(v, pre_, row);
        });
      }
      k_.Loop(H, [&](llvm::Value* j) {
        llvm::Value* z = Apply(d, 0, Clip(k_.Load(pre_, j)));
        llvm::Value* candidate_input = k_.Load(pre_, b_.CreateAdd(j, k_.Int(2 * H)));
        if (g_.linear_before_reset) {
          llvm::Value* reset = Apply(d, 0, Clip(k_.Load(pre_, b_.CreateAdd(j, k_.Int(H)))));
          candidate_input = b_.CreateFAdd(candidate_input, b_.CreateFMul(reset, k_.Load(reset_h_, j)));
        }
        llvm::Value* candidate = Apply(d, 1, Clip(candidate_input));
        llvm::Value* previous = k_.Load(h, j);
        llvm::Value* next = b_.CreateFAdd(b_.CreateFMul(b_.CreateFSub(k_.Float(1.0f), z), candidate), b_.CreateFMul(z, previous));
        k_.Store(next, h, j);
        k_.Store(next, y, j);
      });
      return;
    }
    k_.Loop(H, [&](llvm::Value* j) {
      auto pre = [&](int gate) { return k_.Load(pre_, b_.CreateAdd(j, k_.Int(gate * H))); };
      llvm::Value* next;
      if (lstm) {
        auto peephole = [&](int gate, llvm::Value* state) -> llvm::Value* {
          if (!Has(kRecurrentPeepholes)) return k_.Float(0.0f);
          return b_.CreateFMul(k_.Load(k_.in[kRecurrentPeepholes], b_.CreateAdd(j, k_.Int((d * 3 + gate) * H))), state);
        };
        llvm::Value* previous_c = k_.Load(c, j);
        llvm::Value* i = Apply(d, 0, Clip(b_.CreateFAdd(pre(0), peephole(0, previous_c))));
        llvm::Value* forget = g_.input_forget ? b_.CreateFSub(k_.Float(1.0f), i)
                                              : Apply(d, 0, Clip(b_.CreateFAdd(pre(2), peephole(2, previous_c))));
        llvm::Value* candidate = Apply(d, 1, Clip(pre(3)));
        llvm::Value* next_c = b_.CreateFAdd(b_.CreateFMul(forget, previous_c), b_.CreateFMul(i, candidate));
        if (g_.cell_clip > 0.0f) next_c = EmitClamp(k_, next_c, k_.Float(-g_.cell_clip), k_.Float(g_.cell_clip));
        llvm::Value* o = Apply(d, 0, Clip(b_.CreateFAdd(pre(1), peephole(1, next_c))));
        next = b_.CreateFMul(o, Apply(d, 2, next_c));
        k_.Store(next_c, c, j);
      } else {
        next = Apply(d, 0, Clip(pre(0)));
      }
      k_.Store(next, h, j);
      k_.Store(next, y, j);
    });
  }

  KernelContext& k_;
  llvm::IRBuilder<>& b_;
  const RecurrentGeometry& g_;
  llvm::Value* h_;
  llvm::Value* c_;
  llvm::Value* pre_;
  llvm::Value* reset_h_;
  llvm::Value* sum_;
};

absl::Status EmitRecurrentKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(RecurrentGeometry g, ResolveRecurrent(k.graph, k.node));
  RecurrentEmitter(k, g).Emit();
  return absl::OkStatus();
}

}  // namespace

absl::Status EmitRNNKernel(KernelContext& k) { return EmitRecurrentKernel(k); }
absl::Status EmitGRUKernel(KernelContext& k) { return EmitRecurrentKernel(k); }
absl::Status EmitLSTMKernel(KernelContext& k) { return EmitRecurrentKernel(k); }

}  // namespace modelc
