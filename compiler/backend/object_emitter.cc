// The LLVM half of code generation: build the module, run the target's O3 pipeline
// (loop and SLP vectorisation on; Oz under --optimize size), and emit an object file
// into memory.
#include "absl/strings/str_cat.h"
#include "compiler/backend/codegen.h"
#include "compiler/backend/llvm_target_machine.h"
#include "compiler/backend/module_builder.h"
#include "compiler/backend/mve_conversion_fences.h"
#include "compiler/backend/stack_bound.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/IPO/MergeFunctions.h"

namespace modelc {
namespace {

// O3, or under --optimize size (the plan's code_size_first) LLVM's Oz pipeline with
// every function marked minsize (which also lets the machine outliner share repeated
// instruction sequences, outside the functions module_builder.cc marks nooutline), no
// unrolling (kernel_context.cc unrolls the few loops that pay for it) and no
// interleaving; identical node functions merged first. The vectorisers stay on: on a
// core with vectors they still pack a tile's accumulators (Cortex-M55, mlp: 652k -> 240k
// instructions), on one without they do nothing.
void Optimize(llvm::Module& module, llvm::TargetMachine& machine, const LoweringTarget& plan_target) {
  const bool size = plan_target.code_size_first;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  tuning.LoopUnrolling = !size;
  tuning.LoopInterleaving = !size;
  if (size) {
    for (llvm::Function& function : module) {
      if (function.isDeclaration()) continue;
      function.addFnAttr(llvm::Attribute::MinSize);
      function.addFnAttr(llvm::Attribute::OptimizeForSize);
    }
  }
  llvm::PassBuilder passes(&machine, tuning);
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  passes.registerModuleAnalyses(modules);
  passes.registerCGSCCAnalyses(cgscc);
  passes.registerFunctionAnalyses(functions);
  passes.registerLoopAnalyses(loops);
  passes.crossRegisterProxies(loops, functions, cgscc, modules);
  if (size) {
    // Before the optimiser: afterwards each node's function would have its constant
    // arguments propagated into it (each is called once), and no two would be alike.
    llvm::ModulePassManager merge;
    merge.addPass(llvm::MergeFunctionsPass());
    merge.run(module, modules);
  }
  const llvm::OptimizationLevel level = size ? llvm::OptimizationLevel::Oz : llvm::OptimizationLevel::O3;
  passes.buildPerModuleDefaultPipeline(level).run(module, modules);
}

// Sums the sizes of the object's allocated sections by kind (ELF flags), and bounds
// the stack of a call from the frame sizes.
absl::Status MeasureSections(const std::string& prefix, ObjectFile* object) {
  auto parsed = llvm::object::ObjectFile::createObjectFile(
      llvm::MemoryBufferRef(llvm::StringRef(object->bytes), "model.o"));
  if (!parsed) {
    return absl::InternalError(absl::StrCat("cannot read back the emitted object: ",
                                            llvm::toString(parsed.takeError())));
  }
  for (const llvm::object::SectionRef& section : (*parsed)->sections()) {
    if (!llvm::object::ELFObjectFileBase::classof(parsed->get())) break;
    const uint64_t flags = llvm::object::ELFSectionRef(section).getFlags();
    if (!(flags & llvm::ELF::SHF_ALLOC)) continue;
    const int64_t size = static_cast<int64_t>(section.getSize());
    if (flags & llvm::ELF::SHF_EXECINSTR) {
      object->code_bytes += size;
    } else if (flags & llvm::ELF::SHF_WRITE) {
      llvm::Expected<llvm::StringRef> name = section.getName();
      // .data.rel.ro is written only by the loader when it relocates (PIC targets).
      const bool relro = name && name->starts_with(".data.rel.ro");
      if (!name) llvm::consumeError(name.takeError());
      if (relro) {
        object->read_only_bytes += size;
      } else {
        object->writable_bytes += size;
      }
    } else {
      object->read_only_bytes += size;
    }
  }
  object->external_functions = UndefinedSymbols(**parsed);
  const StackFigures stack = BoundStack(**parsed, prefix);
  object->stack_bound_bytes = stack.bound;
  object->external_call_depths = std::move(stack.external_call_depths);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> GenerateLlvmIr(const CodegenRequest& request) {
  llvm::LLVMContext context;
  std::string ignored;
  ASSIGN_OR_RETURN(std::unique_ptr<llvm::Module> module, BuildModule(request, context, &ignored));
  std::string text;
  llvm::raw_string_ostream stream(text);
  module->print(stream, nullptr);
  return text;
}

absl::Status BuildVerifiedModule(const CodegenRequest& request) {
  llvm::LLVMContext context;
  std::string ignored;
  return BuildModule(request, context, &ignored).status();
}

absl::StatusOr<ObjectFile> GenerateObjectFile(const CodegenRequest& request) {
  ASSIGN_OR_RETURN(std::unique_ptr<llvm::TargetMachine> machine, CreateTargetMachine(request.target));
  llvm::LLVMContext context;
  std::string weights_blob;
  ASSIGN_OR_RETURN(std::unique_ptr<llvm::Module> module, BuildModule(request, context, &weights_blob));
  module->setDataLayout(machine->createDataLayout());
  Optimize(*module, *machine, request.plan->target);
  if (request.target.helium) FenceMveFixedPointConversions(*module);
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream stream(buffer);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, stream, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    return absl::InternalError(absl::StrCat("LLVM cannot emit object files for ", request.target.triple));
  }
  codegen.run(*module);
  ObjectFile object;
  object.bytes.assign(buffer.begin(), buffer.end());
  object.weights_blob = std::move(weights_blob);
  RETURN_IF_ERROR(MeasureSections(request.model_name, &object));
  return object;
}

}  // namespace modelc
