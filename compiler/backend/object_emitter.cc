// The LLVM half of code generation: build the module, run the target's O3 pipeline
// (loop and SLP vectorisation on), and emit an object file into memory.
#include "absl/strings/str_cat.h"
#include "compiler/backend/codegen.h"
#include "compiler/backend/llvm_target_machine.h"
#include "compiler/backend/module_builder.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/raw_ostream.h"

namespace modelc {
namespace {

void Optimize(llvm::Module& module, llvm::TargetMachine& machine) {
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  tuning.LoopUnrolling = true;
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
  passes.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(module, modules);
}

}  // namespace

absl::StatusOr<std::string> GenerateLlvmIr(const CodegenRequest& request) {
  llvm::LLVMContext context;
  ASSIGN_OR_RETURN(std::unique_ptr<llvm::Module> module, BuildModule(request, context));
  std::string text;
  llvm::raw_string_ostream stream(text);
  module->print(stream, nullptr);
  return text;
}

absl::StatusOr<std::string> GenerateObjectFile(const CodegenRequest& request) {
  ASSIGN_OR_RETURN(std::unique_ptr<llvm::TargetMachine> machine, CreateTargetMachine(request.target));
  llvm::LLVMContext context;
  ASSIGN_OR_RETURN(std::unique_ptr<llvm::Module> module, BuildModule(request, context));
  module->setDataLayout(machine->createDataLayout());
  Optimize(*module, *machine);
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream stream(buffer);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, stream, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    return absl::InternalError(absl::StrCat("LLVM cannot emit object files for ", request.target.triple));
  }
  codegen.run(*module);
  return std::string(buffer.begin(), buffer.end());
}

}  // namespace modelc
