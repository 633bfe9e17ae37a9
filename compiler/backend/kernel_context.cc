// Loop, memory and constant helpers for kernel emitters.
#include "compiler/backend/kernel_context.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "compiler/backend/c_names.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/conv_lowering.h"
#include "compiler/util/status_macros.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/MDBuilder.h"

namespace modelc {

absl::Status CheckPlanUse(const Node& node, const NodePlan& plan, const PlanUse& use, int index_bits) {
  if (use.index_overflow) {
    return absl::UnimplementedError(absl::StrCat("node '", node.name, "' (", OpName(node.op),
                                                 "): a size, stride or attribute value of ", *use.index_overflow,
                                                 " does not fit the target's ", index_bits, "-bit index arithmetic"));
  }
  std::vector<std::string> errors = use.errors;
  for (const WorkspaceBuffer& buffer : plan.workspace) {
    if (std::find(use.workspace.begin(), use.workspace.end(), buffer.name) == use.workspace.end()) {
      errors.push_back(absl::StrCat("the plan reserves workspace '", buffer.name, "' that the kernel never uses"));
    }
  }
  for (const PreparedConstant& constant : plan.constants) {
    if (std::find(use.constants.begin(), use.constants.end(), constant.role) == use.constants.end()) {
      errors.push_back(absl::StrCat("the plan prepares constant '", constant.role, "' that the kernel never reads"));
    }
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("node '", node.name, "' (", OpName(node.op), ", ",
                                          KernelVariantName(plan.kernel), " kernel): ", errors.front()));
}

llvm::Value* KernelContext::Int(int64_t v) {
  const int bits = target.index_bits;
  const bool fits = bits >= 64 || (v >= -(int64_t{1} << (bits - 1)) && v < (int64_t{1} << (bits - 1)));
  if (!fits && !plan_use_.index_overflow) plan_use_.index_overflow = v;
  return llvm::ConstantInt::get(Index(), static_cast<uint64_t>(v), /*IsSigned=*/true);
}

void KernelContext::KeepWorkspaceApart() {
  if (workspace_ == nullptr) return;
  llvm::MDBuilder md(b.getContext());
  llvm::MDNode* domain = md.createAnonymousAliasScopeDomain("workspace");
  llvm::MDNode* scope = llvm::MDNode::get(b.getContext(), {md.createAnonymousAliasScope(domain, "workspace")});
  for (llvm::BasicBlock& block : *b.GetInsertBlock()->getParent()) {
    for (llvm::Instruction& instruction : block) {
      llvm::Value* pointer = llvm::getLoadStorePointerOperand(&instruction);
      if (pointer == nullptr) continue;
      const llvm::Value* object = llvm::getUnderlyingObject(pointer, /*MaxLookup=*/0);
      if (object == workspace_) {
        instruction.setMetadata(llvm::LLVMContext::MD_alias_scope, scope);
      } else if (llvm::isa<llvm::Argument>(object) || llvm::isa<llvm::AllocaInst>(object) ||
                 llvm::isa<llvm::GlobalValue>(object)) {
        instruction.setMetadata(llvm::LLVMContext::MD_noalias, scope);
      }
    }
  }
}

llvm::Value* KernelContext::Workspace(std::string_view name, int64_t bytes) {
  const WorkspaceBuffer* buffer = plan.FindWorkspace(name);
  if (buffer == nullptr || workspace_ == nullptr) {
    plan_use_.errors.push_back(
        absl::StrCat("the kernel uses workspace '", std::string(name), "' that the plan does not reserve"));
    return llvm::ConstantPointerNull::get(b.getPtrTy());
  }
  if (buffer->bytes != bytes) {
    plan_use_.errors.push_back(absl::StrCat("the kernel addresses ", bytes, " bytes of workspace '", std::string(name),
                                            "', the plan reserves ", buffer->bytes));
  }
  plan_use_.workspace.push_back(std::string(name));
  if (buffer->offset == 0) return workspace_;
  return b.CreateInBoundsGEP(b.getInt8Ty(), workspace_, Int(buffer->offset));
}

llvm::Value* KernelContext::PreparedConstant(std::string_view role) {
  const modelc::PreparedConstant* constant = plan.FindConstant(role);
  if (constant == nullptr) {
    plan_use_.errors.push_back(
        absl::StrCat("the kernel reads constant '", std::string(role), "' that the plan did not prepare"));
    return llvm::ConstantPointerNull::get(b.getPtrTy());
  }
  plan_use_.constants.push_back(std::string(role));
  if (!prepared_arguments_.empty()) return prepared_arguments_[constant - plan.constants.data()];
  return PlacePreparedConstant(constants_, b, weights_, graph, symbol_prefix_, node, *constant);
}

namespace {

// The name of a constant a node's kernel places (its symbol, and its section
// .rodata.NAME): the node's symbol prefix, its name as a C identifier, and what it is.
std::string NodeConstantName(const std::string& symbol_prefix, const Node& node, const std::string& purpose) {
  return absl::StrCat(symbol_prefix, "_", SanitizeCIdentifier(node.name), "_", purpose);
}

}  // namespace

llvm::Value* PlacePreparedConstant(ConstantStore& constants, llvm::IRBuilder<>& builder, llvm::Value* weights,
                                   const Graph& graph, const std::string& symbol_prefix, const Node& node,
                                   const PreparedConstant& constant) {
  const std::vector<uint8_t>& data = graph.value(constant.value).constant->bytes();
  return constants.Place(builder, weights, std::string(reinterpret_cast<const char*>(data.data()), data.size()),
                         NodeConstantName(symbol_prefix, node, constant.role));
}

llvm::Value* KernelContext::Address(llvm::Value* base, llvm::Value* index) {
  return b.CreateInBoundsGEP(F32(), base, index);
}

llvm::Value* KernelContext::Load(llvm::Value* base, llvm::Value* index) {
  return b.CreateLoad(F32(), Address(base, index));
}

void KernelContext::Store(llvm::Value* value, llvm::Value* base, llvm::Value* index) {
  b.CreateStore(value, Address(base, index));
}

llvm::Type* KernelContext::Elem(DataType type) {
  if (IsFloat(type)) return F32();
  if (IsFloat64(type)) return b.getDoubleTy();
  return b.getIntNTy(static_cast<unsigned>(ByteSize(type) * 8));
}

llvm::Value* KernelContext::LoadAs(DataType type, llvm::Value* base, llvm::Value* index) {
  return b.CreateLoad(Elem(type), b.CreateInBoundsGEP(Elem(type), base, index));
}

void KernelContext::StoreAs(DataType type, llvm::Value* value, llvm::Value* base, llvm::Value* index) {
  llvm::Type* element = Elem(type);
  // An integer wider than the element (an i32 code, say) keeps its low bits: stored as
  // it is, it would write past the element.
  if (value->getType()->isIntegerTy() && element->isIntegerTy() &&
      value->getType()->getIntegerBitWidth() > element->getIntegerBitWidth()) {
    value = b.CreateTrunc(value, element);
  }
  b.CreateStore(value, b.CreateInBoundsGEP(element, base, index));
}

llvm::Value* KernelContext::Constant(DataType type, double value) {
  if (IsFloat(type)) return Float(static_cast<float>(value));
  if (IsFloat64(type)) return llvm::ConstantFP::get(b.getDoubleTy(), value);
  return VisitDataType(type, [&](auto element) -> llvm::Value* {
    using T = decltype(element);
    return llvm::ConstantInt::get(Elem(type), static_cast<uint64_t>(SaturatingCast<T>(value)), std::is_signed_v<T>);
  });
}

llvm::Value* KernelContext::LaneMask(int64_t lanes, int64_t valid) {
  std::vector<llvm::Constant*> bits;
  for (int64_t l = 0; l < lanes; ++l) bits.push_back(b.getInt1(l < valid));
  return llvm::ConstantVector::get(bits);
}

llvm::Value* KernelContext::LoadLanes(llvm::Type* type, llvm::Value* at, int64_t valid, int64_t lanes,
                                      llvm::Align align) {
  if (valid == lanes) return b.CreateAlignedLoad(type, at, align);
  return b.CreateMaskedLoad(type, at, align, LaneMask(lanes, valid), llvm::Constant::getNullValue(type));
}

llvm::Value* KernelContext::LoadStridedLanes(llvm::Type* type, llvm::Value* at, int64_t stride, int64_t valid,
                                            int64_t lanes, bool may_overread_one) {
  if (lanes == 1) return b.CreateLoad(F32(), at);
  if (stride == 1) return LoadLanes(type, at, valid, lanes);
  llvm::Value* zero = llvm::Constant::getNullValue(type);
  if (stride == 2) {
    // Elements 2l for l < valid: the two loads cover 2 * valid - 1 floats (2 * valid
    // when one more may be read, which spares the mask in the usual full vector).
    const int64_t needed = 2 * valid - (may_overread_one ? 0 : 1);
    auto load = [&](llvm::Value* from, int64_t first) -> llvm::Value* {
      const int64_t count = std::clamp<int64_t>(needed - first, 0, lanes);
      if (count == 0) return zero;
      return LoadLanes(type, from, count, lanes);
    };
    std::vector<int> even;
    for (int64_t l = 0; l < lanes; ++l) even.push_back(static_cast<int>(2 * l));
    return b.CreateShuffleVector(load(at, 0), load(Address(at, Int(lanes)), lanes), even);
  }
  llvm::Value* vector = zero;
  for (int64_t l = 0; l < valid; ++l) vector = b.CreateInsertElement(vector, Load(at, Int(l * stride)), b.getInt64(l));
  return vector;
}

void KernelContext::StoreLanes(llvm::Value* value, llvm::Value* at, int64_t valid, int64_t lanes, llvm::Align align) {
  if (valid == lanes) {
    b.CreateAlignedStore(value, at, align);
  } else {
    b.CreateMaskedStore(value, at, align, LaneMask(lanes, valid));
  }
}

void EmitZeroPaddingBorder(KernelContext& k, llvm::Value* base, const WindowGeometry& w, int64_t pixel_floats) {
  llvm::IRBuilder<>& b = k.b;
  const int64_t source_w = w.in_w + w.pad_left + w.pad_right;
  const int64_t size = (w.in_h + w.pad_top + w.pad_bottom) * source_w * pixel_floats;
  auto zero = [&](llvm::Value* from, int64_t count) {
    if (count > 0) b.CreateMemSet(k.Address(base, from), b.getInt8(0), k.Int(count * 4), llvm::MaybeAlign(4));
  };
  zero(k.Int(0), (w.pad_top * source_w + w.pad_left) * pixel_floats);
  const int64_t gap = (w.pad_right + w.pad_left) * pixel_floats;
  if (gap > 0 && w.in_h > 1) {
    k.Loop(w.in_h - 1, [&](llvm::Value* row) {
      llvm::Value* row_end = b.CreateAdd(b.CreateMul(b.CreateAdd(row, k.Int(w.pad_top)), k.Int(source_w)),
                                         k.Int(w.pad_left + w.in_w));
      zero(b.CreateMul(row_end, k.Int(pixel_floats)), gap);
    });
  }
  const int64_t last_end = ((w.pad_top + w.in_h - 1) * source_w + w.pad_left + w.in_w) * pixel_floats;
  zero(k.Int(last_end), size - last_end);
}

void EmitZeroBorder(KernelContext& k, llvm::Value* image, const ChannelsLastStorage& storage) {
  WindowGeometry w;
  w.in_h = storage.height, w.in_w = storage.width;
  w.pad_top = storage.pad_top, w.pad_bottom = storage.pad_bottom;
  w.pad_left = storage.pad_left, w.pad_right = storage.pad_right;
  EmitZeroPaddingBorder(k, image, w, storage.channels);
}

llvm::Value* EmitStoredPixel(KernelContext& k, const ChannelsLastStorage& storage, llvm::Value* pixel) {
  if (!storage.HasBorder()) return pixel;
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* row = b.CreateAdd(b.CreateUDiv(pixel, k.Int(storage.width)), k.Int(storage.pad_top));
  llvm::Value* column = b.CreateAdd(b.CreateURem(pixel, k.Int(storage.width)), k.Int(storage.pad_left));
  return b.CreateAdd(b.CreateMul(row, k.Int(storage.Columns())), column);
}

llvm::Value* EmitZeroPaddedCopy(KernelContext& k, const WindowGeometry& w, PaddedCopy layout) {
  if (!w.HasPadding() && layout != PaddedCopy::kChannelsLastToPlanar) return k.in[0];
  llvm::IRBuilder<>& b = k.b;
  const int64_t source_w = w.in_w + w.pad_left + w.pad_right;
  const int64_t plane_size = (w.in_h + w.pad_top + w.pad_bottom) * source_w;
  // Vector loads of the last pixels may read past the planes (stride 2): slack after them.
  llvm::Value* copy = k.Workspace("padded_input", w.batch * w.channels * plane_size * 4 + kPaddedCopySlackBytes);
  if (layout == PaddedCopy::kChannelsLast) {  // row by row into the border of each image
    const int64_t row_floats = w.in_w * w.channels;
    k.Loop(w.batch, [&](llvm::Value* n) {
      llvm::Value* base = k.Address(copy, b.CreateMul(n, k.Int(plane_size * w.channels)));
      llvm::Value* input = k.Address(k.in[0], b.CreateMul(n, k.Int(w.in_h * row_floats)));
      EmitZeroPaddingBorder(k, base, w, w.channels);
      k.Loop(w.in_h, [&](llvm::Value* row) {
        llvm::Value* interior =
            b.CreateAdd(b.CreateMul(b.CreateAdd(row, k.Int(w.pad_top)), k.Int(source_w)), k.Int(w.pad_left));
        b.CreateMemCpy(k.Address(base, b.CreateMul(interior, k.Int(w.channels))), llvm::MaybeAlign(4),
                       k.Address(input, b.CreateMul(row, k.Int(row_floats))), llvm::MaybeAlign(4),
                       k.Int(row_floats * 4));
      });
    }, /*allow_unrolling=*/false);
    return copy;
  }
  if (layout == PaddedCopy::kChannelsLastToPlanar) {  // each plane gathers its channel's pixels
    k.Loop(w.batch, [&](llvm::Value* n) {
      k.Loop(w.channels, [&](llvm::Value* c) {
        llvm::Value* base =
            k.Address(copy, b.CreateMul(b.CreateAdd(b.CreateMul(n, k.Int(w.channels)), c), k.Int(plane_size)));
        llvm::Value* input = k.Address(k.in[0], b.CreateAdd(b.CreateMul(n, k.Int(w.in_h * w.in_w * w.channels)), c));
        EmitZeroPaddingBorder(k, base, w, 1);
        k.Loop(w.in_h, [&](llvm::Value* row) {
          llvm::Value* interior = k.Address(
              base, b.CreateAdd(b.CreateMul(b.CreateAdd(row, k.Int(w.pad_top)), k.Int(source_w)), k.Int(w.pad_left)));
          llvm::Value* input_row = k.Address(input, b.CreateMul(row, k.Int(w.in_w * w.channels)));
          k.Loop(w.in_w, [&](llvm::Value* column) {
            k.Store(k.Load(input_row, b.CreateMul(column, k.Int(w.channels))), interior, column);
          });
        });
      }, /*allow_unrolling=*/false);
    }, /*allow_unrolling=*/false);
    return copy;
  }
  k.Loop(w.batch * w.channels, [&](llvm::Value* plane) {
    llvm::Value* base = k.Address(copy, b.CreateMul(plane, k.Int(plane_size)));
    llvm::Value* input = k.Address(k.in[0], b.CreateMul(plane, k.Int(w.in_h * w.in_w)));
    EmitZeroPaddingBorder(k, base, w, 1);
    k.Loop(w.in_h, [&](llvm::Value* row) {
      llvm::Value* interior =
          b.CreateAdd(b.CreateMul(b.CreateAdd(row, k.Int(w.pad_top)), k.Int(source_w)), k.Int(w.pad_left));
      b.CreateMemCpy(k.Address(base, interior), llvm::MaybeAlign(4), k.Address(input, b.CreateMul(row, k.Int(w.in_w))),
                     llvm::MaybeAlign(4), k.Int(w.in_w * 4));
    });
  });
  return copy;
}


std::vector<llvm::Value*> EmitTransposeSquare(llvm::IRBuilder<>& b, std::vector<llvm::Value*> rows) {
  const int64_t n = static_cast<int64_t>(rows.size());
  // Round h pairs rows i and i + h (i without bit h): the low result takes lanes with
  // bit h clear from both, the high one those with it set; after all rounds row i
  // holds column i.
  for (int64_t h = 1; h < n; h *= 2) {
    std::vector<int> low(n), high(n);
    for (int64_t k = 0; k < n; ++k) {
      low[k] = static_cast<int>((k & h) == 0 ? k : n + k - h);
      high[k] = static_cast<int>((k & h) == 0 ? k + h : n + k);
    }
    for (int64_t i = 0; i < n; ++i) {
      if (i & h) continue;
      llvm::Value* a = rows[i];
      llvm::Value* c = rows[i + h];
      rows[i] = b.CreateShuffleVector(a, c, low);
      rows[i + h] = b.CreateShuffleVector(a, c, high);
    }
  }
  return rows;
}

llvm::Value* OpaqueToOptimizer(llvm::IRBuilder<>& b, llvm::Value* value) {
  return b.CreateCall(llvm::InlineAsm::get(llvm::FunctionType::get(value->getType(), {value->getType()}, false), "",
                                           "=r,0", /*hasSideEffects=*/true),
                      {value});
}

llvm::BranchInst* EmitCountedLoop(llvm::IRBuilder<>& b, llvm::Value* begin, llvm::Value* end,
                                  const std::function<void(llvm::Value*)>& body, bool rotated) {
  llvm::LLVMContext& context = b.getContext();
  llvm::Function* function = b.GetInsertBlock()->getParent();
  llvm::BasicBlock* preheader = b.GetInsertBlock();
  const auto* first = llvm::dyn_cast<llvm::ConstantInt>(begin);
  const auto* last = llvm::dyn_cast<llvm::ConstantInt>(end);
  if (rotated) {
    if (first && last && first->getSExtValue() >= last->getSExtValue()) return nullptr;
    if (first && last && first->getSExtValue() + 1 == last->getSExtValue()) {
      body(begin);
      return nullptr;
    }
    llvm::BasicBlock* body_block = llvm::BasicBlock::Create(context, "loop", function);
    llvm::BasicBlock* exit = llvm::BasicBlock::Create(context, "exit", function);
    if (first && last) {
      b.CreateBr(body_block);
    } else {  // run-time bounds: entered only when there is an iteration
      b.CreateCondBr(b.CreateICmpSLT(begin, end), body_block, exit);
    }
    b.SetInsertPoint(body_block);
    llvm::PHINode* index = b.CreatePHI(begin->getType(), 2, "i");
    index->addIncoming(begin, preheader);
    body(index);
    llvm::Value* next = b.CreateAdd(index, llvm::ConstantInt::get(begin->getType(), 1), "", /*HasNUW=*/true,
                                    /*HasNSW=*/true);
    index->addIncoming(next, b.GetInsertBlock());
    llvm::BranchInst* latch = b.CreateCondBr(b.CreateICmpSLT(next, end), body_block, exit);
    b.SetInsertPoint(exit);
    return latch;
  }
  llvm::BasicBlock* header = llvm::BasicBlock::Create(context, "loop", function);
  llvm::BasicBlock* body_block = llvm::BasicBlock::Create(context, "body", function);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(context, "exit", function);
  b.CreateBr(header);
  b.SetInsertPoint(header);
  llvm::PHINode* index = b.CreatePHI(begin->getType(), 2, "i");
  index->addIncoming(begin, preheader);
  b.CreateCondBr(b.CreateICmpSLT(index, end), body_block, exit);
  b.SetInsertPoint(body_block);
  body(index);
  llvm::Value* next = b.CreateAdd(index, llvm::ConstantInt::get(begin->getType(), 1), "", /*HasNUW=*/true,
                                  /*HasNSW=*/true);
  index->addIncoming(next, b.GetInsertBlock());
  llvm::BranchInst* latch = b.CreateBr(header);
  b.SetInsertPoint(exit);
  return latch;
}

namespace {

// Gives the loop whose latch is `latch` an ID holding `hint` (llvm.loop metadata).
void SetLoopHint(llvm::BranchInst* latch, llvm::MDNode* hint) {
  llvm::MDNode* loop_id = llvm::MDNode::getDistinct(latch->getContext(), {nullptr, hint});
  loop_id->replaceOperandWith(0, loop_id);  // a loop ID refers to itself
  latch->setMetadata(llvm::LLVMContext::MD_loop, loop_id);
}

}  // namespace

void KernelContext::Loop(llvm::Value* begin, llvm::Value* end,
                         const std::function<void(llvm::Value*)>& body, bool allow_unrolling) {
  const bool size = lowering.target.code_size_first;
  const int64_t loops_with_this_one = ++loops_emitted_;
  llvm::BranchInst* latch = EmitCountedLoop(b, begin, end, body, size);
  const bool innermost = loops_emitted_ == loops_with_this_one;  // its body emitted no loop
  const auto* first = llvm::dyn_cast<llvm::ConstantInt>(begin);
  const auto* last = llvm::dyn_cast<llvm::ConstantInt>(end);
  // --optimize size unrolls nothing, except an innermost loop of a few iterations (a
  // row of kernel taps): its loop bookkeeping would cost about as much as its body.
  const bool unroll_fully = size && allow_unrolling && innermost && first && last &&
                            last->getSExtValue() - first->getSExtValue() <= kSizeModeFullUnroll;
  if (latch && (!allow_unrolling || unroll_fully)) {
    llvm::LLVMContext& c = b.getContext();
    const char* request = unroll_fully ? "llvm.loop.unroll.full" : "llvm.loop.unroll.disable";
    SetLoopHint(latch, llvm::MDNode::get(c, {llvm::MDString::get(c, request)}));
  }
}

void KernelContext::WalkingLoop(int64_t count, const std::vector<llvm::Value*>& starts,
                                const std::vector<int64_t>& steps,
                                const std::function<void(const std::vector<llvm::Value*>&)>& body) {
  MODELC_CHECK(count >= 1 && !starts.empty() && starts.size() == steps.size() && steps[0] != 0,
               "WalkingLoop needs an iteration, and a step for each pointer, the first not 0");
  ++loops_emitted_;
  llvm::BasicBlock* preheader = b.GetInsertBlock();
  llvm::Function* function = preheader->getParent();
  llvm::BasicBlock* loop = llvm::BasicBlock::Create(b.getContext(), "walk", function);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(b.getContext(), "walked", function);
  llvm::Value* end = b.CreateInBoundsGEP(b.getInt8Ty(), starts[0], Int(count * steps[0]));
  b.CreateBr(loop);
  b.SetInsertPoint(loop);
  std::vector<llvm::PHINode*> pointers;
  for (llvm::Value* start : starts) {
    pointers.push_back(b.CreatePHI(start->getType(), 2));
    pointers.back()->addIncoming(start, preheader);
  }
  body({pointers.begin(), pointers.end()});
  llvm::BasicBlock* latch = b.GetInsertBlock();
  llvm::Value* first_next = nullptr;
  for (size_t j = 0; j < pointers.size(); ++j) {
    llvm::Value* next = OpaqueToOptimizer(b, b.CreateInBoundsGEP(b.getInt8Ty(), pointers[j], Int(steps[j])));
    pointers[j]->addIncoming(next, latch);
    if (j == 0) first_next = next;
  }
  b.CreateCondBr(b.CreateICmpNE(first_next, end), loop, exit);
  b.SetInsertPoint(exit);
}

void KernelContext::IndependentLoop(int64_t count, const std::function<void(llvm::Value*)>& body) {
  llvm::Function* function = b.GetInsertBlock()->getParent();
  std::set<const llvm::BasicBlock*> before;
  for (const llvm::BasicBlock& block : *function) before.insert(&block);
  ++loops_emitted_;
  llvm::BranchInst* latch = EmitCountedLoop(b, Int(0), Int(count), body, lowering.target.code_size_first);
  if (!latch) return;  // no loop: at most one iteration
  llvm::LLVMContext& c = b.getContext();
  llvm::MDNode* group = llvm::MDNode::getDistinct(c, {});
  for (llvm::BasicBlock& block : *function) {  // the loop's blocks are the new ones
    if (before.count(&block)) continue;
    for (llvm::Instruction& instruction : block) {
      if (instruction.mayReadOrWriteMemory()) instruction.setMetadata(llvm::LLVMContext::MD_access_group, group);
    }
  }
  SetLoopHint(latch, llvm::MDNode::get(c, {llvm::MDString::get(c, "llvm.loop.parallel_accesses"), group}));
}

void KernelContext::When(llvm::Value* condition, const std::function<void()>& body) {
  llvm::Function* function = b.GetInsertBlock()->getParent();
  llvm::BasicBlock* then = llvm::BasicBlock::Create(b.getContext(), "when", function);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(b.getContext(), "done", function);
  b.CreateCondBr(condition, then, done);
  b.SetInsertPoint(then);
  body();
  b.CreateBr(done);
  b.SetInsertPoint(done);
}

std::vector<llvm::Value*> KernelContext::Either(llvm::Value* condition,
                                                const std::function<std::vector<llvm::Value*>()>& then,
                                                const std::function<std::vector<llvm::Value*>()>& otherwise) {
  llvm::Function* function = b.GetInsertBlock()->getParent();
  llvm::BasicBlock* then_block = llvm::BasicBlock::Create(b.getContext(), "then", function);
  llvm::BasicBlock* otherwise_block = llvm::BasicBlock::Create(b.getContext(), "otherwise", function);
  llvm::BasicBlock* joined = llvm::BasicBlock::Create(b.getContext(), "joined", function);
  b.CreateCondBr(condition, then_block, otherwise_block);
  b.SetInsertPoint(then_block);
  const std::vector<llvm::Value*> then_values = then();
  llvm::BasicBlock* then_end = b.GetInsertBlock();
  b.CreateBr(joined);
  b.SetInsertPoint(otherwise_block);
  const std::vector<llvm::Value*> otherwise_values = otherwise();
  llvm::BasicBlock* otherwise_end = b.GetInsertBlock();
  b.CreateBr(joined);
  b.SetInsertPoint(joined);
  MODELC_CHECK(then_values.size() == otherwise_values.size(), "Either's branches made different numbers of values");
  std::vector<llvm::Value*> values;
  for (size_t i = 0; i < then_values.size(); ++i) {
    MODELC_CHECK(then_values[i]->getType() == otherwise_values[i]->getType(), "Either's branches' values differ in type");
    llvm::PHINode* phi = b.CreatePHI(then_values[i]->getType(), 2);
    phi->addIncoming(then_values[i], then_end);
    phi->addIncoming(otherwise_values[i], otherwise_end);
    values.push_back(phi);
  }
  return values;
}

void KernelContext::LoopNest(const Shape& dims, const std::vector<std::vector<int64_t>>& strides,
                             const std::function<void(llvm::Value*, const std::vector<llvm::Value*>&)>& body) {
  std::function<void(size_t, llvm::Value*, std::vector<llvm::Value*>)> level =
      [&](size_t d, llvm::Value* linear, std::vector<llvm::Value*> offsets) {
        if (d == dims.size()) {
          body(linear, offsets);
          return;
        }
        Loop(dims[d], [&](llvm::Value* i) {
          std::vector<llvm::Value*> next(offsets.size());
          for (size_t o = 0; o < offsets.size(); ++o) next[o] = b.CreateAdd(offsets[o], b.CreateMul(i, Int(strides[o][d])));
          level(d + 1, b.CreateAdd(b.CreateMul(linear, Int(dims[d])), i), next);
        });
      };
  level(0, Int(0), std::vector<llvm::Value*>(strides.size(), Int(0)));
}

llvm::Value* KernelContext::ReassociableAdd(llvm::Value* a, llvm::Value* c) {
  auto* sum = llvm::cast<llvm::Instruction>(b.CreateFAdd(a, c));
  sum->setHasAllowReassoc(true);
  return sum;
}

llvm::Value* KernelContext::ShapeParameter(int64_t value) {
  if (shape_table_ == nullptr) return Int(value);
  Int(value);  // the same range check as a constant's
  llvm::Function* function = b.GetInsertBlock()->getParent();
  llvm::IRBuilder<> entry(&function->getEntryBlock(), function->getEntryBlock().begin());
  llvm::Value* at = entry.CreateConstInBoundsGEP1_64(Index(), shape_table_, shape_table_entries_.size());
  shape_table_entries_.push_back(value);
  return entry.CreateLoad(Index(), at);
}

llvm::Value* KernelContext::EntryAlloca(llvm::Type* type, llvm::MaybeAlign align) {
  llvm::Function* function = b.GetInsertBlock()->getParent();
  llvm::IRBuilder<> entry(&function->getEntryBlock(), function->getEntryBlock().begin());
  llvm::AllocaInst* slot = entry.CreateAlloca(type);
  if (align) slot->setAlignment(*align);
  return slot;
}

llvm::Value* KernelContext::ConstantFloats(const std::vector<float>& values, const std::string& purpose) {
  const std::string bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return constants_.Place(b, weights_, bytes, NodeConstantName(symbol_prefix_, node, purpose));
}

llvm::Value* KernelContext::ConstantInt32s(const std::vector<int32_t>& values, const std::string& purpose) {
  const std::string bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int32_t));
  return constants_.Place(b, weights_, bytes, NodeConstantName(symbol_prefix_, node, purpose));
}

llvm::Value* KernelContext::ConstantIndices(const std::vector<int64_t>& values, const std::string& purpose) {
  std::string bytes;
  if (target.index_bits == 64) {
    bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t));
  } else {  // every offset is below the tensor sizes the driver allows a 32-bit target
    std::vector<int32_t> narrow(values.begin(), values.end());
    bytes.assign(reinterpret_cast<const char*>(narrow.data()), narrow.size() * sizeof(int32_t));
  }
  return constants_.Place(b, weights_, bytes, NodeConstantName(symbol_prefix_, node, purpose));
}

ValidRange KernelContext::ValidIndices(llvm::Value* base, int64_t step, int64_t limit, int64_t count) {
  // begin = base >= 0 ? 0 : ceil(-base / step)
  llvm::Value* negative = b.CreateNeg(base);
  llvm::Value* begin = b.CreateSelect(b.CreateICmpSGE(base, Int(0)), Int(0),
                                      b.CreateSDiv(b.CreateAdd(negative, Int(step - 1)), Int(step)));
  // end = (limit - 1 - base) < 0 ? 0 : min(count, (limit - 1 - base) / step + 1)
  llvm::Value* room = b.CreateSub(Int(limit - 1), base);
  llvm::Value* end = b.CreateSelect(b.CreateICmpSLT(room, Int(0)), Int(0),
                                    Min(Int(count), b.CreateAdd(b.CreateSDiv(room, Int(step)), Int(1))));
  return {Min(begin, Int(count)), end};
}

}  // namespace modelc
