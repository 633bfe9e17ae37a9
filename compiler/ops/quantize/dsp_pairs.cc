#include "compiler/ops/quantize/dsp_pairs.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/IntrinsicsARM.h"

namespace modelc {

llvm::Value* EmitStoredTap(llvm::IRBuilder<>& b, llvm::Value* t) {
  llvm::Type* type = t->getType();
  llvm::Value* quad = b.CreateAnd(t, llvm::ConstantInt::get(type, ~int64_t{3}, true));
  llvm::Value* low = b.CreateShl(b.CreateAnd(t, llvm::ConstantInt::get(type, 1)), llvm::ConstantInt::get(type, 1));
  llvm::Value* high = b.CreateAnd(b.CreateLShr(t, llvm::ConstantInt::get(type, 1)), llvm::ConstantInt::get(type, 1));
  return b.CreateOr(quad, b.CreateOr(low, high));
}

void EmitZeroWindowTail(KernelContext& k, llvm::Value* window, int64_t taps) {
  for (int64_t t = taps; t < (taps + 3) / 4 * 4; ++t) {
    k.b.CreateStore(k.b.getInt16(0), k.b.CreateInBoundsGEP(k.b.getInt16Ty(), window, k.Int(StoredTap(t))));
  }
}

namespace {

// EmitPairsDotProducts' quads a step (the convolutions' and the window matrix product's).
// Cortex-M4, memory mode, the DSP pairs' convolutions against an index loop everywhere
// (LLVM unrolling it by 4): MobileNet int8 14.35 M -> 13.49 M instructions and 728 bytes
// less code, DS-CNN 5.25 M -> 4.86 M, ResNet-8 22.72 M -> 21.61 M. 8 quads a step: 1.3%
// fewer for 2.9 KB more code.
constexpr int64_t kDotProductQuadsPerStep = 4;
// --optimize size, flash first, walks one quad a step (Cortex-M4 MobileNet 7,430 ->
// 7,334 bytes of code and 4.3% fewer instructions than its index loop, which LLVM's size
// pipeline does not unroll).
constexpr int64_t kQuadsPerStepForSize = 1;

llvm::Value* RotatedByte(llvm::IRBuilder<>& b, llvm::Value* word) {
  return b.CreateIntrinsic(llvm::Intrinsic::fshr, {b.getInt32Ty()}, {word, word, b.getInt32(8)});
}

// Bytes 0 and 2 (`odd`: 1 and 3) of a word of 8-bit codes as a halfword pair: SXTB16
// (UXTB16 for uint8 codes) of the word (rotated by 8).
llvm::Value* UnpackedCodes(KernelContext& k, llvm::Value* word, bool unsigned_codes, bool odd) {
  llvm::Function* unpack = llvm::Intrinsic::getDeclaration(
      &k.module, unsigned_codes ? llvm::Intrinsic::arm_uxtb16 : llvm::Intrinsic::arm_sxtb16);
  return k.b.CreateCall(unpack, {odd ? RotatedByte(k.b, word) : word});
}

// The reach of LDRD's immediate offset (8 bits, in words, either way) and of LDR's
// (12 bits forward; 8 bits back and post-indexed, which the walk's steps of at most 32
// bytes and its reaching back by at most 24 stay within).
constexpr int64_t kLdrdReach = 1020;
constexpr int64_t kLdrReach = 4095;
// Windows and rows the walk's inline assembly takes: its registers are the sums, two
// pairs a window, a word of weights and its even pair, the window's and the row's
// pointers and the loop's end; with 2 and 2 (the kernels' tiles) 13 of the 14 LLVM may
// give it (TargetDescription::thumb2_elf).
constexpr int64_t kWalkWindows = 2;
constexpr int64_t kWalkRows = 2;
// The walk takes inline assembly from this many quads on (at least one step of
// kDotProductQuadsPerStep), below kWalkedQuads too, where LLVM's code would run an index
// loop. Cortex-M4, memory mode, from 16 quads on against from 4: TFLite's ResNet-8
// 21,410,240 -> 21,000,200 instructions and 1,032 bytes less code, TFLite's MobileNet
// 13,374,000 -> 13,205,840; the int8 MobileNet 12,835,760 -> 12,882,160 (its 4-quad
// layer 584,080 by LLVM's code, 652,911 by the walk); speed and size mode better in every
// network. From 1 quad on (size mode's steps of one): no better.
constexpr int64_t kWalkAssemblyQuads = 4;
static_assert(kWalkAssemblyQuads >= kDotProductQuadsPerStep && kWalkAssemblyQuads >= kQuadsPerStepForSize);

// The quads a step of WalkQuads takes.
int64_t WalkedQuadsPerStep(const KernelContext& k, int64_t quads_per_step) {
  return k.lowering.target.code_size_first ? kQuadsPerStepForSize : quads_per_step;
}

// An inline-assembly statement's operands in LLVM's order (its outputs, then its
// inputs): each one's "$n" for the text, and the constraint string.
class AsmOperands {
 public:
  // A new operand of `constraint` ("=r", "=&r", "r", or an output's number for an input
  // tied to it): its "$n".
  std::string Add(const std::string& constraint) {
    absl::StrAppend(&constraints_, constraints_.empty() ? "" : ",", constraint);
    return absl::StrCat("$", count_++);
  }
  // An input tied to the output `output` ("$n").
  void Tie(const std::string& output) { Add(output.substr(1)); }
  std::string Constraints(const std::string& clobbers) const { return absl::StrCat(constraints_, ",", clobbers); }

 private:
  std::string constraints_;
  int count_ = 0;
};

// The operands a quad's text names: each sum (window w, row i at w * rows + i), the
// temporaries (two pairs a window, then the word of weights and its even pair), and
// the window's and the row's pointers.
struct QuadOperands {
  std::vector<std::string> sums, temps;
  std::string window, row;
};

// The text of quad `q` (4 taps) of every window against every row: each window's two
// pairs by one LDRD (two LDRs past LDRD's reach), each row's 4 weights by one LDR and
// two SXTB16, two SMLADs a window and row. In a loop of `step_quads` quads a step
// (0: none, the pointers where the quads start), quad 0's first window load and first
// row load step their pointers on (post-indexed), and the later loads of the step
// reach back.
std::string QuadText(const QuadOperands& o, const PairsWindows& windows, const PairsRows& rows, int64_t q,
                     int64_t step_quads) {
  const int64_t window_step = step_quads * 8, row_step = step_quads * 4;
  // The address of the operand `bytes` from where its pointer was at the step's start.
  auto address = [&](const std::string& pointer, int64_t bytes, int64_t step) {
    if (step > 0 && bytes == 0) return absl::StrCat("[", pointer, "], #", step);
    return absl::StrCat("[", pointer, ", #", bytes - step, "]");
  };
  std::string text;
  for (int64_t w = 0; w < windows.count; ++w) {
    const int64_t at = q * 8 + w * windows.stride_bytes;
    const std::string &even = o.temps[2 * w], &odd = o.temps[2 * w + 1];
    if (at - window_step <= kLdrdReach) {
      absl::StrAppend(&text, "ldrd ", even, ", ", odd, ", ", address(o.window, at, window_step), "\n");
    } else {
      absl::StrAppend(&text, "ldr ", even, ", ", address(o.window, at, window_step), "\nldr ", odd, ", ",
                      address(o.window, at + 4, window_step), "\n");
    }
  }
  const std::string &weights = o.temps[2 * windows.count], &even_weights = o.temps[2 * windows.count + 1];
  for (int64_t i = 0; i < rows.count; ++i) {
    absl::StrAppend(&text, "ldr ", weights, ", ", address(o.row, q * 4 + i * rows.stride, row_step), "\nsxtb16 ",
                    even_weights, ", ", weights, "\nsxtb16 ", weights, ", ", weights, ", ror #8\n");
    for (int64_t w = 0; w < windows.count; ++w) {
      const std::string& sum = o.sums[w * rows.count + i];
      absl::StrAppend(&text, "smlad ", sum, ", ", o.temps[2 * w], ", ", even_weights, ", ", sum, "\nsmlad ", sum, ", ",
                      o.temps[2 * w + 1], ", ", weights, ", ", sum, "\n");
    }
  }
  return text;
}

// Whether the walk's inline assembly takes the tile, `per_step` quads a step: Thumb-2,
// and every operand of a step's quads (or of the quads after the loop, fewer) within
// an immediate offset of its window's or row's pointer.
bool DspPairsWalkFits(const KernelContext& k, const PairsWindows& windows, const PairsRows& rows, int64_t per_step) {
  const int64_t window_reach = (windows.count - 1) * windows.stride_bytes + (per_step - 1) * 8 + 4;
  const int64_t row_reach = (rows.count - 1) * rows.stride + (per_step - 1) * 4;
  return k.target.thumb2_elf && windows.count >= 1 && windows.count <= kWalkWindows && rows.count >= 1 &&
         rows.count <= kWalkRows && window_reach <= kLdrReach && row_reach <= kLdrReach;
}

// The tile's walk over `steps` (at least 1: kWalkAssemblyQuads) steps of `per_step`
// quads and then `after` quads as one inline-assembly statement, from the first window's
// first quad at `window_start` and the first row's at `row_start` (bytes): a loop of
// QuadText, its pointers stepped by post-indexed loads, until the row's pointer reaches
// its end. Written by LLVM, the same quads took a run of LDRs where LDRD fits (it pairs
// loads two by two from the first it sees) and, on the Cortex-M4, register moves or
// spills for the sums it rotated between steps.
void EmitDspPairsWalk(KernelContext& k, llvm::Value* window_start, llvm::Value* row_start, const PairsWindows& windows,
                      const PairsRows& rows, int64_t steps, int64_t per_step, int64_t after,
                      const std::vector<llvm::Value*>& sums) {
  llvm::IRBuilder<>& b = k.b;
  const int64_t sum_count = windows.count * rows.count, temp_count = 2 * windows.count + 2;
  AsmOperands operands;
  QuadOperands o;
  for (int64_t s = 0; s < sum_count; ++s) o.sums.push_back(operands.Add("=r"));
  for (int64_t t = 0; t < temp_count; ++t) o.temps.push_back(operands.Add("=&r"));
  o.window = operands.Add("=r");
  o.row = operands.Add("=r");
  for (const std::string& sum : o.sums) operands.Tie(sum);
  operands.Tie(o.window);
  operands.Tie(o.row);
  const std::string row_end = operands.Add("r");
  std::string text = "1:\n";
  for (int64_t q = 0; q < per_step; ++q) absl::StrAppend(&text, QuadText(o, windows, rows, q, per_step));
  absl::StrAppend(&text, "cmp ", o.row, ", ", row_end, "\nbne 1b\n");
  for (int64_t q = 0; q < after; ++q) absl::StrAppend(&text, QuadText(o, windows, rows, q, 0));
  std::vector<llvm::Value*> inputs;
  for (int64_t s = 0; s < sum_count; ++s) inputs.push_back(b.CreateLoad(b.getInt32Ty(), sums[s]));
  inputs.push_back(window_start);
  inputs.push_back(row_start);
  inputs.push_back(b.CreateInBoundsGEP(b.getInt8Ty(), row_start, k.Int(steps * per_step * 4)));
  std::vector<llvm::Type*> input_types, result_types(sum_count + temp_count, b.getInt32Ty());
  for (llvm::Value* input : inputs) input_types.push_back(input->getType());
  result_types.insert(result_types.end(), {window_start->getType(), row_start->getType()});
  auto* type =
      llvm::FunctionType::get(llvm::StructType::get(b.getContext(), result_types), input_types, /*isVarArg=*/false);
  llvm::Value* result = b.CreateCall(
      llvm::InlineAsm::get(type, text, operands.Constraints("~{cpsr},~{memory}"), /*hasSideEffects=*/true), inputs);
  for (int64_t s = 0; s < sum_count; ++s) {
    b.CreateStore(b.CreateExtractValue(result, {static_cast<unsigned>(s)}), sums[s]);
  }
}

}  // namespace

void EmitPairsDotProducts(KernelContext& k, const PairsWindows& windows, llvm::Value* weights, const PairsRows& rows,
                          int64_t taps, const std::vector<llvm::Value*>& sums, PairsWindow form) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i16 = b.getInt16Ty();
  llvm::Type* i32 = b.getInt32Ty();
  llvm::Function* sxtb16 = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_sxtb16);
  llvm::Function* smlad = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_smlad);
  const bool codes = form != PairsWindow::kCentredInt16;
  auto sum_of = [&](int64_t w, int64_t i) { return sums[w * rows.count + i]; };
  const int64_t quads = taps / 4, window_quad_bytes = codes ? 4 : 8;
  // Window w's first tap and row i's element offset.
  std::vector<llvm::Value*> window_starts, row_offsets;
  for (int64_t w = 0; w < windows.count; ++w) {
    window_starts.push_back(b.CreateInBoundsGEP(i8, windows.first, k.Int(w * windows.stride_bytes)));
  }
  for (int64_t i = 0; i < rows.count; ++i) {
    row_offsets.push_back(b.CreateMul(b.CreateAdd(rows.first, k.Int(i)), k.Int(rows.stride)));
  }
  // Each whole 4 taps: dot_quad(window_at(w), row_at(i)), the addresses of window w's
  // and row i's 4 taps.
  using Address = std::function<llvm::Value*(int64_t)>;
  auto dot_quad = [&](const Address& window_at, const Address& row_at) {
    std::vector<llvm::Value*> even, odd;
    for (int64_t w = 0; w < windows.count; ++w) {
      if (codes) {
        llvm::Value* word = b.CreateAlignedLoad(i32, window_at(w), llvm::Align(4));
        even.push_back(UnpackedCodes(k, word, form == PairsWindow::kUInt8Codes, /*odd=*/false));
        odd.push_back(UnpackedCodes(k, word, form == PairsWindow::kUInt8Codes, /*odd=*/true));
        continue;
      }
      llvm::Value* pairs = window_at(w);
      even.push_back(b.CreateAlignedLoad(i32, pairs, llvm::Align(4)));
      odd.push_back(b.CreateAlignedLoad(i32, b.CreateInBoundsGEP(i16, pairs, k.Int(2)), llvm::Align(4)));
    }
    for (int64_t i = 0; i < rows.count; ++i) {
      llvm::Value* bytes = b.CreateAlignedLoad(i32, row_at(i), llvm::Align(1));
      llvm::Value* rotated = b.CreateIntrinsic(llvm::Intrinsic::fshr, {i32}, {bytes, bytes, b.getInt32(8)});
      llvm::Value* even_weights = b.CreateCall(sxtb16, {bytes});
      llvm::Value* odd_weights = b.CreateCall(sxtb16, {rotated});
      for (int64_t w = 0; w < windows.count; ++w) {
        llvm::Value* sum = b.CreateLoad(i32, sum_of(w, i));
        sum = b.CreateCall(smlad, {even[w], even_weights, sum});
        sum = b.CreateCall(smlad, {odd[w], odd_weights, sum});
        b.CreateStore(sum, sum_of(w, i));
      }
    }
  };
  llvm::Value* row_start = b.CreateInBoundsGEP(i8, weights, row_offsets[0]);
  const int64_t per_step = WalkedQuadsPerStep(k, kDotProductQuadsPerStep);
  if (!codes && quads >= kWalkAssemblyQuads && DspPairsWalkFits(k, windows, rows, per_step)) {
    EmitDspPairsWalk(k, windows.first, row_start, windows, rows, quads / per_step, per_step, quads % per_step, sums);
  } else if (quads >= kWalkedQuads) {
    WalkQuads(k, quads, kDotProductQuadsPerStep, {row_start, windows.first}, {4, window_quad_bytes},
              [&](const std::vector<llvm::Value*>& at, int64_t q) {
                dot_quad(
                    [&](int64_t w) {
                      return b.CreateInBoundsGEP(i8, at[1], k.Int(w * windows.stride_bytes + q * window_quad_bytes));
                    },
                    [&](int64_t i) { return b.CreateInBoundsGEP(i8, at[0], k.Int(i * rows.stride + q * 4)); });
              });
  } else {
    k.Loop(quads, [&](llvm::Value* q) {
      dot_quad(
          [&](int64_t w) {
            return b.CreateInBoundsGEP(i8, window_starts[w], b.CreateMul(q, k.Int(window_quad_bytes)));
          },
          [&](int64_t i) {
            return b.CreateInBoundsGEP(i8, weights, b.CreateAdd(row_offsets[i], b.CreateMul(q, k.Int(4))));
          });
    });
  }
  for (int64_t t = taps / 4 * 4; t < taps; ++t) {
    for (int64_t i = 0; i < rows.count; ++i) {
      llvm::Value* w8 = b.CreateSExt(k.LoadAs(DataType::kInt8, weights, b.CreateAdd(row_offsets[i], k.Int(t))), i32);
      for (int64_t w = 0; w < windows.count; ++w) {
        llvm::Value* centred =
            form == PairsWindow::kCentredInt16
                ? b.CreateSExt(b.CreateLoad(i16, b.CreateInBoundsGEP(i16, window_starts[w], k.Int(StoredTap(t)))), i32)
                : b.CreateIntCast(b.CreateLoad(i8, b.CreateInBoundsGEP(i8, window_starts[w], k.Int(t))), i32,
                                  /*isSigned=*/form == PairsWindow::kInt8Codes);
        b.CreateStore(b.CreateAdd(b.CreateLoad(i32, sum_of(w, i)), b.CreateMul(centred, w8)), sum_of(w, i));
      }
    }
  }
}

void WalkQuads(KernelContext& k, int64_t quads, int64_t quads_per_step, const std::vector<llvm::Value*>& starts,
               const std::vector<int64_t>& quad_bytes,
               const std::function<void(const std::vector<llvm::Value*>& at, int64_t q)>& quad) {
  const int64_t per_step = WalkedQuadsPerStep(k, quads_per_step);
  const int64_t steps = quads / per_step;
  std::vector<int64_t> step_bytes;
  for (int64_t bytes : quad_bytes) step_bytes.push_back(bytes * per_step);
  k.WalkingLoop(steps, starts, step_bytes, [&](const std::vector<llvm::Value*>& at) {
    for (int64_t q = 0; q < per_step; ++q) quad(at, q);
  });
  for (int64_t q = steps * per_step; q < quads; ++q) quad(starts, q);
}

QuadPairs EmitCentredQuad(KernelContext& k, llvm::Value* word, bool unsigned_codes, llvm::Value* zero_points) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Function* ssub16 = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_ssub16);
  return {b.CreateCall(ssub16, {UnpackedCodes(k, word, unsigned_codes, /*odd=*/false), zero_points}),
          b.CreateCall(ssub16, {UnpackedCodes(k, word, unsigned_codes, /*odd=*/true), zero_points})};
}

QuadPairs EmitUnpackedQuad(KernelContext& k, llvm::Value* word, bool unsigned_codes) {
  return {UnpackedCodes(k, word, unsigned_codes, /*odd=*/false), UnpackedCodes(k, word, unsigned_codes, /*odd=*/true)};
}

namespace {

// `low` in the low 16 bits of a word, `high` in the high 16 (both i32).
llvm::Value* HalfwordPair(llvm::IRBuilder<>& b, llvm::Value* low, llvm::Value* high) {
  return b.CreateOr(b.CreateAnd(low, b.getInt32(0xFFFF)), b.CreateShl(high, 16));
}

}  // namespace

llvm::Value* EmitZeroPointPair(llvm::IRBuilder<>& b, llvm::Value* zero_point) {
  return HalfwordPair(b, zero_point, zero_point);
}

QuadPairs PackQuadPairs(llvm::IRBuilder<>& b, llvm::Value* const (&values)[4]) {
  return {HalfwordPair(b, values[0], values[2]), HalfwordPair(b, values[1], values[3])};
}

llvm::Value* EmitQuadProducts(KernelContext& k, const QuadPairs& codes, llvm::Value* weights, llvm::Value* sum) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Function* sxtb16 = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_sxtb16);
  llvm::Function* smlad = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_smlad);
  sum = b.CreateCall(smlad, {codes.even, b.CreateCall(sxtb16, {weights}), sum});
  return b.CreateCall(smlad, {codes.odd, b.CreateCall(sxtb16, {RotatedByte(b, weights)}), sum});
}

}  // namespace modelc
