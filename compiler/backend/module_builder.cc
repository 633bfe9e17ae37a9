// Module layout of a compiled model NAME:
//   NAME_run(in..., out..., scratch)      typed entry point, checks pointers (with
//                                         --pool: one pointer per pool for the scratch)
//   NAME_run_generic(inputs, outputs, scratch)   (with --pool: an array of pool pointers)
//   NAME_model_info                       descriptor: names, types, shapes, sizes, entry
//   internal NAME.graph                   calls one internal function per node in order
//   internal constants                    weights (read-only data)
// Nothing is writable at run time except the caller's buffers: no mutable globals.
#include "compiler/backend/module_builder.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/c_names.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/printer.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

namespace modelc {
namespace {

// Status codes returned by the entry points; the header writer names them.
constexpr int kStatusNullPointer = 1;
constexpr int kStatusMisaligned = 2;
constexpr int kStatusWrongWeights = 3;

class ModuleBuilder {
 public:
  ModuleBuilder(const CodegenRequest& request, llvm::LLVMContext& context)
      : request_(request), graph_(*request.graph), plan_(*request.plan), buffers_(*request.buffers),
        plan_use_(graph_.nodes().size()), shape_tables_(graph_.nodes().size()), context_(context),
        module_(std::make_unique<llvm::Module>(request.model_name, context)), builder_(context),
        names_(MakeModelCNames(request.model_name, graph_)),
        constants_(*module_, request.target.buffer_alignment, request.external_weights) {
    llvm::FastMathFlags flags;
    flags.setAllowContract(true);  // a*b+c may become one FMA
    builder_.setFastMathFlags(flags);
    llvm::Type* i32 = builder_.getInt32Ty();
    tensor_info_type_ = llvm::StructType::create(
        context_, {builder_.getPtrTy(), i32, i32, builder_.getPtrTy(), builder_.getInt64Ty()}, "modelc_tensor_info");
  }

  // The weights blob, once Build() has placed every constant (--weights external).
  std::string WeightsBlob() const { return constants_.FinishBlob(Structure()); }

  absl::StatusOr<std::unique_ptr<llvm::Module>> Build() {
    module_->setTargetTriple(request_.target.triple);
    llvm::Function* graph_function = DeclareGraphFunction();
    RETURN_IF_ERROR(DefineGraphFunction(graph_function));
    llvm::Function* run = DefineTypedEntry(graph_function, /*traced=*/false);
    if (request_.batched) DefineBatchedEntry(run);
    llvm::Function* generic = DefineGenericEntry(run, /*traced=*/false);
    if (request_.trace) DefineGenericEntry(DefineTypedEntry(graph_function, /*traced=*/true), /*traced=*/true);
    if (External()) DefineWeightsCheck();
    DefineDescriptor(generic);
    for (size_t n = 0; n < graph_.nodes().size(); ++n) {
      if (IsElided(buffers_, static_cast<int>(n))) continue;
      RETURN_IF_ERROR(CheckPlanUse(graph_.nodes()[n], plan_.nodes[n], plan_use_[n], request_.target.index_bits));
    }
    std::string errors;
    llvm::raw_string_ostream stream(errors);
    if (llvm::verifyModule(*module_, &stream)) {
      return absl::InternalError(absl::StrCat("generated LLVM IR is invalid: ", errors));
    }
    return std::move(module_);
  }

 private:
  size_t TensorCount() const { return graph_.inputs().size() + graph_.outputs().size(); }
  bool External() const { return request_.external_weights; }
  // The arenas the scratch is in: one, or one per --pool.
  size_t ArenaCount() const { return std::max<size_t>(1, buffers_.pools.size()); }
  int64_t ArenaSize(size_t arena) const {
    return buffers_.pools.empty() ? buffers_.scratch_size : buffers_.pools[arena].size;
  }
  // Graph function arguments: inputs..., outputs..., arenas...[, weights][, trace, user].
  size_t GraphWeightsArg() const { return TensorCount() + ArenaCount(); }
  size_t GraphTraceArg() const { return TensorCount() + ArenaCount() + (External() ? 1 : 0); }
  // Bytes `offset` into arena `arena`, inside the graph function.
  llvm::Value* ArenaPointer(int arena, int64_t offset, llvm::Function* graph_function) {
    return builder_.CreateInBoundsGEP(builder_.getInt8Ty(), graph_function->getArg(TensorCount() + arena),
                                      builder_.getInt64(offset));
  }
  // What the model ID covers: the model's name and IR (constants by name and type only).
  std::string Structure() const { return absl::StrCat(names_.prefix, "\n", PrintGraph(graph_)); }
  llvm::Type* Ptr() { return builder_.getPtrTy(); }

  void SetCommonAttributes(llvm::Function* function) {
    function->addFnAttr(llvm::Attribute::NoUnwind);
    function->addFnAttr("target-cpu", request_.target.cpu);
    if (!request_.target.features.empty()) function->addFnAttr("target-features", request_.target.features);
    // On a microcontroller the C library's memcpy and memset are the user's, often
    // newlib-nano's byte loops, and each call costs more than a short copy or fill: LLVM
    // must not turn the kernels' loops into calls to them, but vectorise them in place
    // (Cortex-M55, TFLite MobileNet in speed mode: the plane rows' row copies were 48,808
    // instructions in memcpy, the model 3.64 -> 3.58 M). Size mode keeps the calls.
    if (request_.target.bare_metal && !CodeSizeFirst()) {
      function->addFnAttr("no-builtin-memcpy");
      function->addFnAttr("no-builtin-memset");
      function->addFnAttr("no-builtin-memmove");
    }
  }

  llvm::Function* CreateFunction(const std::string& name, llvm::Type* result, size_t pointer_args,
                                 llvm::GlobalValue::LinkageTypes linkage) {
    std::vector<llvm::Type*> args(pointer_args, Ptr());
    auto* type = llvm::FunctionType::get(result, args, false);
    llvm::Function* function = llvm::Function::Create(type, linkage, name, module_.get());
    SetCommonAttributes(function);
    return function;
  }

  // (inputs..., outputs..., arenas...[, weights][, trace callback, its user pointer])
  llvm::Function* DeclareGraphFunction() {
    llvm::Function* function = CreateFunction(absl::StrCat(names_.prefix, ".graph"), builder_.getVoidTy(),
                                              GraphWeightsArg() + (External() ? 1 : 0) + (request_.trace ? 2 : 0),
                                              llvm::GlobalValue::InternalLinkage);
    // Callers promise that no output buffer overlaps any input, output, the scratch or a pool.
    for (size_t i = 0; i < GraphWeightsArg(); ++i) function->getArg(i)->addAttr(llvm::Attribute::NoAlias);
    return function;
  }

  // After node `n`: trace(user, &info, data) for each of its outputs, when trace != NULL.
  // A channels-last output is first copied, planar, into the node's workspace (sized
  // for it in trace builds): the callback sees ONNX's layout.
  void EmitTraceCalls(size_t n, const Node& node, llvm::Function* graph_function) {
    llvm::Value* callback = graph_function->getArg(GraphTraceArg());
    llvm::Value* user = graph_function->getArg(GraphTraceArg() + 1);
    auto* callback_type = llvm::FunctionType::get(builder_.getVoidTy(), {Ptr(), Ptr(), Ptr()}, false);
    llvm::BasicBlock* call = llvm::BasicBlock::Create(context_, "trace", graph_function);
    llvm::BasicBlock* next = llvm::BasicBlock::Create(context_, "traced", graph_function);
    builder_.CreateCondBr(builder_.CreateIsNull(callback), next, call);
    builder_.SetInsertPoint(call);
    for (ValueId output : node.outputs) {
      llvm::Value* data = PointerTo(output, graph_function);
      if (const auto& storage = plan_.values[output].channels_last) {
        llvm::Value* workspace = ArenaPointer(buffers_.workspace_pool[n], buffers_.workspace_offset[n], graph_function);
        KernelContext kernel(builder_, *module_, graph_, node, {}, {}, absl::StrCat(names_.prefix, ".trace"), workspace,
                             plan_, plan_.nodes[n], plan_use_[n], request_.target, constants_, nullptr);
        llvm::Value* planar = kernel.Workspace("planar_copy", graph_.value(output).type.ByteSize());
        EmitChannelsLastToPlanar(kernel, data, planar, *storage);
        data = planar;
      }
      builder_.CreateCall(callback_type, callback, {user, TraceInfo(output), data});
    }
    builder_.CreateBr(next);
    builder_.SetInsertPoint(next);
  }

  llvm::Constant* TraceInfo(ValueId id) {
    return new llvm::GlobalVariable(*module_, tensor_info_type_, true, llvm::GlobalValue::PrivateLinkage,
                                    TensorInfo(id, absl::StrCat("trace", id)),
                                    absl::StrCat(names_.prefix, ".trace.", id));
  }

  llvm::Value* ConstantPointer(ValueId id, llvm::Function* graph_function) {
    auto it = constant_pointers_.find(id);
    if (it != constant_pointers_.end()) return it->second;
    const TensorData& data = *graph_.value(id).constant;
    llvm::Value* pointer = constants_.Place(
        builder_, External() ? graph_function->getArg(GraphWeightsArg()) : nullptr,
        std::string(reinterpret_cast<const char*>(data.bytes().data()), data.bytes().size()),
        absl::StrCat(names_.prefix, ".const.", SanitizeCIdentifier(graph_.value(id).name)));
    constant_pointers_[id] = pointer;
    return pointer;
  }

  // Where a value's bytes are inside the graph function.
  llvm::Value* PointerTo(ValueId id, llvm::Function* graph_function) {
    llvm::Value* base = BufferPointer(buffers_.root[id], graph_function);
    if (!base || buffers_.root_offset[id] == 0) return base;
    return builder_.CreateInBoundsGEP(builder_.getInt8Ty(), base, builder_.getInt64(buffers_.root_offset[id]));
  }

  // Where a buffer owner's bytes start inside the graph function.
  llvm::Value* BufferPointer(ValueId root, llvm::Function* graph_function) {
    const Storage& storage = buffers_.storage[root];
    switch (storage.kind) {
      case StorageKind::kInput:
        return graph_function->getArg(storage.index);
      case StorageKind::kOutput:
        return graph_function->getArg(graph_.inputs().size() + storage.index);
      case StorageKind::kConstant:
        return ConstantPointer(root, graph_function);
      case StorageKind::kScratch:
        return ArenaPointer(storage.pool, storage.offset, graph_function);
      case StorageKind::kUnused:
        break;
    }
    return nullptr;
  }

  std::string NodeSymbolPrefix(const Node& node) const {
    return absl::StrCat(names_.prefix, ".", SanitizeCIdentifier(node.name));
  }

  // --optimize size. Then a node's function also takes its prepared constants (repacked
  // weights) as arguments, after the blob pointer, in its plan's order, instead of
  // naming them, and last its shape table (KernelContext::ShapeParameter): nodes of the
  // same shape, or whose kernels differ only in the table's numbers, have the same body,
  // and LLVM's MergeFunctions keeps one of them (ds_cnn's four depthwise and four
  // pointwise convolutions become one function each: object_emitter.cc).
  bool CodeSizeFirst() const { return plan_.target.code_size_first; }

  // The node's shape table in read-only data (nullptr when its kernel read none).
  llvm::Value* ShapeTable(const Node& node, const std::vector<int64_t>& entries) {
    if (entries.empty()) return llvm::ConstantPointerNull::get(builder_.getPtrTy());
    llvm::Type* index = builder_.getIntNTy(request_.target.index_bits);
    std::vector<llvm::Constant*> values;
    for (int64_t entry : entries) values.push_back(llvm::ConstantInt::get(index, static_cast<uint64_t>(entry), true));
    llvm::ArrayType* type = llvm::ArrayType::get(index, values.size());
    auto* table = new llvm::GlobalVariable(*module_, type, /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
                                           llvm::ConstantArray::get(type, values),
                                           absl::StrCat(NodeSymbolPrefix(node), ".shape"));
    table->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return table;
  }

  absl::Status EmitNodeBody(int n, const Node& node, llvm::Function* function) {
    builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", function));
    std::vector<llvm::Value*> inputs, outputs;
    int arg = 0;
    for (ValueId input : node.inputs) inputs.push_back(input == kNoValue ? nullptr : function->getArg(arg++));
    for (size_t o = 0; o < node.outputs.size(); ++o) outputs.push_back(function->getArg(arg++));
    llvm::Value* workspace = buffers_.workspace_offset[n] >= 0 ? function->getArg(arg++) : nullptr;
    llvm::Value* weights = External() ? function->getArg(arg++) : nullptr;
    KernelContext kernel(builder_, *module_, graph_, node, inputs, outputs, NodeSymbolPrefix(node), workspace, plan_,
                         plan_.nodes[n], plan_use_[n], request_.target, constants_, weights);
    if (CodeSizeFirst()) {
      std::vector<llvm::Value*> prepared;
      for (size_t c = 0; c < plan_.nodes[n].constants.size(); ++c) prepared.push_back(function->getArg(arg++));
      kernel.TakePreparedConstantsAsArguments(std::move(prepared));
      kernel.TakeShapeTable(function->getArg(arg++));
    }
    RETURN_IF_ERROR(EmitKernel(kernel));
    shape_tables_[n] = kernel.shape_table_entries();
    builder_.CreateRetVoid();
    return absl::OkStatus();
  }

  // Calls node n's function (none for a view: its output already is its input's bytes)
  // and, with --trace, the callback for its outputs.
  void EmitNodeCall(size_t n, const Node& node, llvm::Function* node_function, llvm::Function* graph_function) {
    if (node_function) {
      std::vector<llvm::Value*> args;
      for (ValueId input : node.inputs) {
        if (input == kNoValue) continue;
        // A constant the kernel does not read (it reads a prepared form instead, e.g. a
        // matrix product's repacked panels) is not placed: with --weights external its
        // bytes would go into the blob for nothing (mlp: 1,879,656 bytes, twice its weights).
        const bool unread_constant = buffers_.storage[buffers_.root[input]].kind == StorageKind::kConstant &&
                                     node_function->getArg(args.size())->use_empty();
        args.push_back(unread_constant ? llvm::ConstantPointerNull::get(builder_.getPtrTy())
                                       : PointerTo(input, graph_function));
      }
      for (ValueId output : node.outputs) args.push_back(PointerTo(output, graph_function));
      if (buffers_.workspace_offset[n] >= 0) {
        args.push_back(ArenaPointer(buffers_.workspace_pool[n], buffers_.workspace_offset[n], graph_function));
      }
      llvm::Value* weights = External() ? graph_function->getArg(GraphWeightsArg()) : nullptr;
      if (weights) args.push_back(weights);
      if (CodeSizeFirst()) {
        for (const PreparedConstant& constant : plan_.nodes[n].constants) {
          args.push_back(PlacePreparedConstant(constants_, builder_, weights, graph_, NodeSymbolPrefix(node), node,
                                               constant));
        }
        args.push_back(ShapeTable(node, shape_tables_[n]));
      }
      builder_.CreateCall(node_function, args);
    }
    if (request_.trace) EmitTraceCalls(n, node, graph_function);
  }

  absl::Status DefineGraphFunction(llvm::Function* graph_function) {
    std::vector<llvm::Function*> node_functions;
    for (size_t n = 0; n < graph_.nodes().size(); ++n) {
      const Node& node = graph_.nodes()[n];
      if (IsElided(buffers_, static_cast<int>(n))) {
        node_functions.push_back(nullptr);  // its output already is its inputs' bytes: no code
        continue;
      }
      size_t pointer_args = node.outputs.size() + (buffers_.workspace_offset[n] >= 0 ? 1 : 0) + (External() ? 1 : 0) +
                            (CodeSizeFirst() ? plan_.nodes[n].constants.size() + 1 : 0);
      for (ValueId input : node.inputs) pointer_args += input != kNoValue;
      llvm::Function* function = CreateFunction(
          absl::StrCat(names_.prefix, ".node", n, ".", OpName(node.op)), builder_.getVoidTy(),
          pointer_args, llvm::GlobalValue::InternalLinkage);
      // Every tensor's pointer is its bytes' only one (noalias) but an input's and an
      // output's that share storage (in-place execution). The workspace never shares a
      // byte with them either, but says so here only where nothing is in place: told
      // beside an in-place pair, LLVM kept the DSP pairs' window words in registers
      // across the channels' loop and spilled them (Cortex-M4: TFLite DS-CNN in
      // balanced mode 2.24 -> 2.28 M instructions, mobilenet_v1_025_vww_int8 17.18 ->
      // 17.47 M). A kernel that needs it says so itself (KernelContext::KeepWorkspaceApart).
      std::vector<bool> shared;  // per tensor argument (inputs given, then outputs): in place
      for (ValueId input : node.inputs) {
        if (input != kNoValue) shared.push_back(SharesStorageInPlace(buffers_, node, input));
      }
      for (ValueId output : node.outputs) shared.push_back(SharesStorageInPlace(buffers_, node, output));
      const bool in_place = std::find(shared.begin(), shared.end(), true) != shared.end();
      for (auto& arg : function->args()) {
        if (arg.getArgNo() < shared.size() ? !shared[arg.getArgNo()] : !in_place) arg.addAttr(llvm::Attribute::NoAlias);
      }
      // Each node stays its own function: inlined, all of them formed one huge block
      // whose instruction scheduling grows quadratically (40 small elementwise nodes:
      // 3.2 s; 250: 31 s and 1 GB; now 0.4 and 2.4 s). The call costs nothing
      // measurable, and the report's stack bound counts a node's frame on top of the
      // graph's.
      function->addFnAttr(llvm::Attribute::NoInline);
      // Size mode lets LLVM's machine outliner share instruction sequences (every function
      // is minsize), but not out of the convolutions' and matrix products' loops, where a
      // call per iteration costs more than it saves (measured on Cortex-M4:
      // fc_autoencoder_ad 944k -> 1,169k instructions for 190 bytes).
      if (CodeSizeFirst() && MultiplyAccumulates(graph_, node) > 0) function->addFnAttr("nooutline");
      absl::Status status = EmitNodeBody(static_cast<int>(n), node, function);
      if (!status.ok()) {
        return absl::Status(status.code(), absl::StrCat("node '", node.name, "' (", OpName(node.op),
                                                        "): ", status.message()));
      }
      node_functions.push_back(function);
    }
    builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", graph_function));
    for (size_t n = 0; n < graph_.nodes().size(); ++n) {
      const Node& node = graph_.nodes()[n];
      llvm::BasicBlock* after_node = nullptr;
      if (node.guard != kNoValue) {  // an If branch's node: runs only when its guard is true
        llvm::BasicBlock* run = llvm::BasicBlock::Create(context_, "guarded", graph_function);
        after_node = llvm::BasicBlock::Create(context_, "after_guarded", graph_function);
        llvm::Value* flag = builder_.CreateLoad(builder_.getInt8Ty(), PointerTo(node.guard, graph_function));
        builder_.CreateCondBr(builder_.CreateICmpNE(flag, builder_.getInt8(0)), run, after_node);
        builder_.SetInsertPoint(run);
      }
      EmitNodeCall(n, node, node_functions[n], graph_function);
      if (after_node) {
        builder_.CreateBr(after_node);
        builder_.SetInsertPoint(after_node);
      }
    }
    // Outputs that are not stored in their own buffer: repeated outputs, or outputs
    // that are graph inputs or constants.
    for (size_t i = 0; i < graph_.outputs().size(); ++i) {
      const ValueId id = graph_.outputs()[i];
      const Storage& storage = buffers_.storage[buffers_.root[id]];
      if (storage.kind == StorageKind::kOutput && storage.index == static_cast<int>(i) &&
          buffers_.root_offset[id] == 0) {
        continue;
      }
      llvm::Value* destination = graph_function->getArg(graph_.inputs().size() + i);
      builder_.CreateMemCpy(destination, llvm::MaybeAlign(1), PointerTo(id, graph_function),
                            llvm::MaybeAlign(1), builder_.getInt64(graph_.value(id).type.ByteSize()));
    }
    builder_.CreateRetVoid();
    return absl::OkStatus();
  }

  // Returns `status` from the current block when `failed` holds.
  void ReturnValueIf(llvm::Value* failed, llvm::Value* status, llvm::Function* function) {
    llvm::BasicBlock* fail = llvm::BasicBlock::Create(context_, "fail", function);
    llvm::BasicBlock* next = llvm::BasicBlock::Create(context_, "ok", function);
    builder_.CreateCondBr(failed, fail, next);
    builder_.SetInsertPoint(fail);
    builder_.CreateRet(status);
    builder_.SetInsertPoint(next);
  }
  void ReturnIf(llvm::Value* failed, int status, llvm::Function* function) {
    ReturnValueIf(failed, builder_.getInt32(status), function);
  }

  void CheckPointer(llvm::Value* pointer, int64_t alignment, llvm::Function* function) {
    ReturnIf(builder_.CreateIsNull(pointer), kStatusNullPointer, function);
    llvm::Value* address = builder_.CreatePtrToInt(pointer, builder_.getInt64Ty());
    llvm::Value* misaligned = builder_.CreateICmpNE(
        builder_.CreateAnd(address, builder_.getInt64(alignment - 1)), builder_.getInt64(0));
    ReturnIf(misaligned, kStatusMisaligned, function);
  }

  // Returns MODELC_ERROR_WEIGHTS from `function` unless `weights` starts with this
  // model's blob header (magic, format version, payload size, model ID).
  void CheckWeightsHeader(llvm::Value* weights, llvm::Function* function) {
    auto field = [&](int offset, llvm::Type* type) {
      return builder_.CreateAlignedLoad(type, builder_.CreateInBoundsGEP(builder_.getInt8Ty(), weights,
                                                                         builder_.getInt64(offset)), llvm::Align(4));
    };
    uint64_t magic = 0;
    std::memcpy(&magic, kWeightsMagic, 8);
    llvm::Value* ok = builder_.CreateICmpEQ(field(0, builder_.getInt64Ty()), builder_.getInt64(magic));
    ok = builder_.CreateAnd(ok, builder_.CreateICmpEQ(field(8, builder_.getInt32Ty()), builder_.getInt32(kWeightsFormatVersion)));
    ok = builder_.CreateAnd(ok, builder_.CreateICmpEQ(field(16, builder_.getInt64Ty()),
                                                      builder_.getInt64(constants_.BlobBytes() - kWeightsHeaderBytes)));
    ok = builder_.CreateAnd(ok, builder_.CreateICmpEQ(field(24, builder_.getInt64Ty()),
                                                      builder_.getInt64(constants_.ModelId(Structure()))));
    ReturnIf(builder_.CreateNot(ok), kStatusWrongWeights, function);
  }

  // NAME_run(inputs..., outputs...[, weights], scratch or pools...), or NAME_run_traced(..., trace, user).
  llvm::Function* DefineTypedEntry(llvm::Function* graph_function, bool traced) {
    const size_t weights_args = External() ? 1 : 0;
    const size_t arguments = TensorCount() + weights_args + ArenaCount() + (traced ? 2 : 0);
    llvm::Function* run = CreateFunction(absl::StrCat(names_.prefix, traced ? "_run_traced" : "_run"),
                                         builder_.getInt32Ty(), arguments, llvm::GlobalValue::ExternalLinkage);
    builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", run));
    std::vector<llvm::Value*> args;
    for (size_t i = 0; i < TensorCount(); ++i) {
      const ValueId id = i < graph_.inputs().size() ? graph_.inputs()[i] : graph_.outputs()[i - graph_.inputs().size()];
      CheckPointer(run->getArg(i), ByteSize(graph_.value(id).type.element_type), run);
      args.push_back(run->getArg(i));
    }
    for (size_t arena = 0; arena < ArenaCount(); ++arena) {
      llvm::Value* pointer = run->getArg(TensorCount() + weights_args + arena);
      if (ArenaSize(arena) > 0) CheckPointer(pointer, buffers_.scratch_alignment, run);
      args.push_back(pointer);
    }
    if (External()) {
      llvm::Value* weights = run->getArg(TensorCount());
      CheckPointer(weights, 64, run);
      CheckWeightsHeader(weights, run);
      args.push_back(weights);
    }
    if (request_.trace) {  // the untraced entry passes no callback
      llvm::Value* none = llvm::ConstantPointerNull::get(builder_.getPtrTy());
      const size_t trace_arg = TensorCount() + weights_args + ArenaCount();
      args.push_back(traced ? static_cast<llvm::Value*>(run->getArg(trace_arg)) : none);
      args.push_back(traced ? static_cast<llvm::Value*>(run->getArg(trace_arg + 1)) : none);
    }
    builder_.CreateCall(graph_function, args);
    builder_.CreateRet(builder_.getInt32(0));
    return run;
  }

  // int NAME_check_weights(const void *weights, uint64_t bytes): the header and the
  // payload's checksum (reads the whole blob: for start-up, not every inference).
  void DefineWeightsCheck() {
    llvm::Function* check = llvm::Function::Create(
        llvm::FunctionType::get(builder_.getInt32Ty(), {Ptr(), builder_.getInt64Ty()}, false),
        llvm::GlobalValue::ExternalLinkage, absl::StrCat(names_.prefix, "_check_weights"), module_.get());
    SetCommonAttributes(check);
    builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", check));
    llvm::Value* weights = check->getArg(0);
    CheckPointer(weights, 64, check);
    ReturnIf(builder_.CreateICmpULT(check->getArg(1), builder_.getInt64(constants_.BlobBytes())), kStatusWrongWeights, check);
    CheckWeightsHeader(weights, check);
    llvm::Value* hash = builder_.CreateAlloca(builder_.getInt64Ty());
    builder_.CreateStore(builder_.getInt64(14695981039346656037ull), hash);  // FNV-1a 64 over the payload
    EmitCountedLoop(builder_, builder_.getInt64(kWeightsHeaderBytes), builder_.getInt64(constants_.BlobBytes()),
                    [&](llvm::Value* at) {
      llvm::Value* byte = builder_.CreateZExt(builder_.CreateLoad(builder_.getInt8Ty(),
                                              builder_.CreateInBoundsGEP(builder_.getInt8Ty(), weights, at)),
                                              builder_.getInt64Ty());
      llvm::Value* mixed = builder_.CreateMul(builder_.CreateXor(builder_.CreateLoad(builder_.getInt64Ty(), hash), byte),
                                              builder_.getInt64(1099511628211ull));
      builder_.CreateStore(mixed, hash);
    });
    llvm::Value* stored = builder_.CreateAlignedLoad(
        builder_.getInt64Ty(), builder_.CreateInBoundsGEP(builder_.getInt8Ty(), weights, builder_.getInt64(32)), llvm::Align(4));
    llvm::Value* same = builder_.CreateICmpEQ(builder_.CreateLoad(builder_.getInt64Ty(), hash), stored);
    builder_.CreateRet(builder_.CreateSelect(same, builder_.getInt32(0), builder_.getInt32(kStatusWrongWeights)));
  }

  // NAME_run_batched(int64 batch, inputs..., outputs..., scratch or pools...): NAME_run on
  // each sample in turn, every tensor advancing by its one-sample size. The scratch is reused.
  void DefineBatchedEntry(llvm::Function* run) {
    std::vector<llvm::Type*> params = {builder_.getInt64Ty()};
    params.insert(params.end(), TensorCount() + (External() ? 1 : 0) + ArenaCount(), Ptr());
    llvm::Function* batched = llvm::Function::Create(
        llvm::FunctionType::get(builder_.getInt32Ty(), params, false), llvm::GlobalValue::ExternalLinkage,
        absl::StrCat(names_.prefix, "_run_batched"), module_.get());
    SetCommonAttributes(batched);
    builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", batched));
    std::vector<ValueId> tensors(graph_.inputs());
    tensors.insert(tensors.end(), graph_.outputs().begin(), graph_.outputs().end());
    EmitCountedLoop(builder_, builder_.getInt64(0), batched->getArg(0), [&](llvm::Value* sample) {
      std::vector<llvm::Value*> args;
      for (size_t i = 0; i < tensors.size(); ++i) {
        llvm::Value* offset = builder_.CreateMul(sample, builder_.getInt64(graph_.value(tensors[i]).type.ByteSize()));
        args.push_back(builder_.CreateGEP(builder_.getInt8Ty(), batched->getArg(1 + i), offset));
      }
      for (size_t extra = 1 + tensors.size(); extra < batched->arg_size(); ++extra) args.push_back(batched->getArg(extra));
      llvm::Value* status = builder_.CreateCall(run, args);
      ReturnValueIf(builder_.CreateICmpNE(status, builder_.getInt32(0)), status, batched);  // stop at the first error
    });
    builder_.CreateRet(builder_.getInt32(0));
  }

  // NAME_run_generic(inputs, outputs[, weights], scratch or an array of pools), or with `traced`
  // NAME_run_traced_generic(..., trace, user): arrays of pointers in model order.
  llvm::Function* DefineGenericEntry(llvm::Function* run, bool traced) {
    const unsigned fixed = External() ? 4 : 3;
    llvm::Function* generic = CreateFunction(absl::StrCat(names_.prefix, traced ? "_run_traced_generic" : "_run_generic"),
                                             builder_.getInt32Ty(), fixed + (traced ? 2 : 0), llvm::GlobalValue::ExternalLinkage);
    builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", generic));
    std::vector<llvm::Value*> args;
    for (int array = 0; array < 2; ++array) {
      const size_t count = array == 0 ? graph_.inputs().size() : graph_.outputs().size();
      if (count == 0) continue;
      ReturnIf(builder_.CreateIsNull(generic->getArg(array)), kStatusNullPointer, generic);
      for (size_t i = 0; i < count; ++i) {
        llvm::Value* slot = builder_.CreateInBoundsGEP(Ptr(), generic->getArg(array), builder_.getInt64(i));
        args.push_back(builder_.CreateLoad(Ptr(), slot));
      }
    }
    if (External()) args.push_back(generic->getArg(2));  // weights
    llvm::Value* scratch = generic->getArg(External() ? 3 : 2);
    if (buffers_.pools.empty()) {
      args.push_back(scratch);
    } else {  // an array of the pools' pointers
      ReturnIf(builder_.CreateIsNull(scratch), kStatusNullPointer, generic);
      for (size_t pool = 0; pool < buffers_.pools.size(); ++pool) {
        args.push_back(builder_.CreateLoad(Ptr(), builder_.CreateInBoundsGEP(Ptr(), scratch, builder_.getInt64(pool))));
      }
    }
    if (traced) {
      args.push_back(generic->getArg(fixed));
      args.push_back(generic->getArg(fixed + 1));
    }
    builder_.CreateRet(builder_.CreateCall(run, args));
    return generic;
  }

  llvm::Constant* CString(const std::string& text, const std::string& purpose) {
    return builder_.CreateGlobalStringPtr(text, absl::StrCat(names_.prefix, ".str.", purpose), 0, module_.get());
  }

  llvm::Constant* TensorInfo(ValueId id, const std::string& purpose) {
    const TensorType& type = graph_.value(id).type;
    std::vector<uint64_t> dims(type.shape.begin(), type.shape.end());
    auto* shape = new llvm::GlobalVariable(*module_, llvm::ArrayType::get(builder_.getInt64Ty(), dims.size()),
                                           true, llvm::GlobalValue::PrivateLinkage,
                                           llvm::ConstantDataArray::get(context_, dims),
                                           absl::StrCat(names_.prefix, ".shape.", purpose));
    return llvm::ConstantStruct::get(
        tensor_info_type_, {CString(graph_.value(id).name, purpose),
                            builder_.getInt32(static_cast<uint32_t>(type.element_type)),  // MODELC_FLOAT32, ...
                            builder_.getInt32(static_cast<uint32_t>(dims.size())), shape,
                            builder_.getInt64(type.ByteSize())});
  }

  llvm::Constant* TensorInfoArray(const std::vector<ValueId>& ids, const std::string& purpose) {
    std::vector<llvm::Constant*> infos;
    for (size_t i = 0; i < ids.size(); ++i) infos.push_back(TensorInfo(ids[i], absl::StrCat(purpose, i)));
    auto* array_type = llvm::ArrayType::get(tensor_info_type_, infos.size());
    return new llvm::GlobalVariable(*module_, array_type, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(array_type, infos),
                                    absl::StrCat(names_.prefix, ".", purpose, "_info"));
  }

  // The descriptor's run_with_pools(inputs, outputs, weights, pools): the generic entry,
  // with the weights when it takes them.
  llvm::Function* DefineRunWithPools(llvm::Function* generic) {
    llvm::Function* entry = CreateFunction(absl::StrCat(names_.prefix, ".run_with_pools"), builder_.getInt32Ty(), 4,
                                           llvm::GlobalValue::InternalLinkage);
    builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", entry));
    std::vector<llvm::Value*> args = {entry->getArg(0), entry->getArg(1)};
    if (External()) args.push_back(entry->getArg(2));
    args.push_back(entry->getArg(3));
    builder_.CreateRet(builder_.CreateCall(generic, args));
    return entry;
  }

  // The descriptor's modelc_pool_info entries (a null pointer without --pool).
  llvm::Constant* PoolInfoArray() {
    if (buffers_.pools.empty()) return llvm::ConstantPointerNull::get(builder_.getPtrTy());
    auto* pool_info = llvm::StructType::create(context_, {Ptr(), builder_.getInt64Ty(), builder_.getInt64Ty()},
                                               "modelc_pool_info");
    std::vector<llvm::Constant*> infos;
    for (size_t p = 0; p < buffers_.pools.size(); ++p) {
      infos.push_back(llvm::ConstantStruct::get(
          pool_info, {CString(buffers_.pools[p].name, absl::StrCat("pool", p)),
                      builder_.getInt64(buffers_.pools[p].size), builder_.getInt64(buffers_.scratch_alignment)}));
    }
    auto* array_type = llvm::ArrayType::get(pool_info, infos.size());
    return new llvm::GlobalVariable(*module_, array_type, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(array_type, infos),
                                    absl::StrCat(names_.prefix, ".pool_info"));
  }

  void DefineDescriptor(llvm::Function* generic) {
    llvm::Type* i32 = builder_.getInt32Ty();
    llvm::Type* i64 = builder_.getInt64Ty();
    auto* model_info = llvm::StructType::create(
        context_, {Ptr(), i32, i32, i32, Ptr(), Ptr(), i64, i64, i64, Ptr(), Ptr(), i64, i32, Ptr(), Ptr()},
        "modelc_model_info");
    // Exactly one entry is set, so that a program reading the descriptor cannot pass a
    // scratch buffer where the entry expects an array of pools, or forget the weights.
    llvm::Constant* none = llvm::ConstantPointerNull::get(builder_.getPtrTy());
    const bool pools = !buffers_.pools.empty();
    llvm::Constant* fields[] = {
        CString(names_.prefix, "model_name"),
        builder_.getInt32(kGeneratedAbiVersion),
        builder_.getInt32(static_cast<uint32_t>(graph_.inputs().size())),
        builder_.getInt32(static_cast<uint32_t>(graph_.outputs().size())),
        TensorInfoArray(graph_.inputs(), "input"),
        TensorInfoArray(graph_.outputs(), "output"),
        builder_.getInt64(buffers_.scratch_size),
        builder_.getInt64(buffers_.scratch_alignment),
        builder_.getInt64(buffers_.activation_bound),
        External() || pools ? none : static_cast<llvm::Constant*>(generic),
        External() && !pools ? static_cast<llvm::Constant*>(generic) : none,
        builder_.getInt64(External() ? constants_.BlobBytes() : 0),
        builder_.getInt32(static_cast<uint32_t>(buffers_.pools.size())),
        PoolInfoArray(),
        pools ? static_cast<llvm::Constant*>(DefineRunWithPools(generic)) : none,
    };
    new llvm::GlobalVariable(*module_, model_info, true, llvm::GlobalValue::ExternalLinkage,
                             llvm::ConstantStruct::get(model_info, fields),
                             absl::StrCat(names_.prefix, "_model_info"));
  }

  const CodegenRequest& request_;
  const Graph& graph_;
  const LoweringPlan& plan_;
  const BufferAssignment& buffers_;
  std::vector<PlanUse> plan_use_;  // per node, checked against the plan after emission
  std::vector<std::vector<int64_t>> shape_tables_;  // per node, ShapeParameter's entries (--optimize size)
  llvm::LLVMContext& context_;
  std::unique_ptr<llvm::Module> module_;
  llvm::IRBuilder<> builder_;
  ModelCNames names_;
  ConstantStore constants_;
  std::map<ValueId, llvm::Value*> constant_pointers_;  // a global, or a place in the weights blob
  llvm::StructType* tensor_info_type_ = nullptr;
};

}  // namespace

absl::StatusOr<std::unique_ptr<llvm::Module>> BuildModule(const CodegenRequest& request,
                                                          llvm::LLVMContext& context, std::string* weights_blob) {
  ModuleBuilder builder(request, context);
  auto module = builder.Build();
  if (module.ok() && request.external_weights) *weights_blob = builder.WeightsBlob();
  return module;
}

}  // namespace modelc
