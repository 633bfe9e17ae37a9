// The LLVM half of code generation: build the module, run the target's O3 pipeline
// (loop and SLP vectorisation on), and emit an object file into memory.
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "compiler/backend/codegen.h"
#include "compiler/backend/llvm_target_machine.h"
#include "compiler/backend/module_builder.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/LEB128.h"
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

// The function a relocation's symbol stands for: its own name, or for a section symbol
// (.text.NAME itself) or, on RISC-V, an assembler-local label (.L0) at a function's
// start, the function whose section it is. Empty when there is none.
std::string FunctionOfSymbol(const llvm::object::ObjectFile& file, const llvm::object::symbol_iterator& symbol) {
  if (symbol == file.symbol_end()) return "";
  std::string function;
  llvm::Expected<llvm::object::SymbolRef::Type> type = symbol->getType();
  llvm::Expected<llvm::StringRef> symbol_name = symbol->getName();
  const bool is_section = type && *type == llvm::object::SymbolRef::ST_Debug;  // .text.NAME itself
  const bool is_local_label = symbol_name && symbol_name->starts_with(".L");
  if (!type) llvm::consumeError(type.takeError());
  if (is_section || is_local_label) {  // name the function by its section, .text.NAME
    llvm::Expected<llvm::object::section_iterator> target = symbol->getSection();
    if (target && *target != file.section_end()) {
      llvm::Expected<llvm::StringRef> target_name = (*target)->getName();
      if (target_name) function = target_name->str();
      else llvm::consumeError(target_name.takeError());
    } else if (!target) {
      llvm::consumeError(target.takeError());
    }
  } else if (symbol_name) {
    function = symbol_name->str();
  }
  if (!symbol_name) llvm::consumeError(symbol_name.takeError());
  if (function.rfind(".text.", 0) == 0) function = function.substr(6);
  return function;
}

// What the stack bound is computed from: each function's frame, from the .stack_sizes
// sections (a relocated function address followed by the frame size, ULEB128), and
// the calls between functions, from the relocations of each function's own section
// (.text.NAME: every function has one) that name another function. A reference that is
// not a call (an address taken) only makes the bound larger.
struct CallGraph {
  std::map<std::string, int64_t> frames;                // function -> frame bytes
  std::map<std::string, std::set<std::string>> callees;  // function -> functions it refers to
};

CallGraph ReadCallGraph(const llvm::object::ObjectFile& file) {
  CallGraph graph;
  const unsigned address_bytes = file.getBytesInAddress();
  // ELF keeps relocations in their own sections (.rel[a].stack_sizes, .rel[a].text.NAME)
  // that point at the section they patch.
  for (const llvm::object::SectionRef& relocations : file.sections()) {
    llvm::Expected<llvm::object::section_iterator> patched = relocations.getRelocatedSection();
    if (!patched) {
      llvm::consumeError(patched.takeError());
      continue;
    }
    if (*patched == file.section_end()) continue;
    const llvm::object::SectionRef& section = **patched;
    llvm::Expected<llvm::StringRef> name = section.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    if (name->starts_with(".text.")) {
      const std::string caller = name->substr(6).str();
      for (const llvm::object::RelocationRef& relocation : relocations.relocations()) {
        const std::string callee = FunctionOfSymbol(file, relocation.getSymbol());
        if (!callee.empty() && callee != caller) graph.callees[caller].insert(callee);
      }
      continue;
    }
    if (!name->starts_with(".stack_sizes")) continue;
    llvm::Expected<llvm::StringRef> contents = section.getContents();
    if (!contents) {
      llvm::consumeError(contents.takeError());
      continue;
    }
    for (const llvm::object::RelocationRef& relocation : relocations.relocations()) {
      const uint64_t at = relocation.getOffset() + address_bytes;
      if (at >= contents->size()) continue;
      unsigned length = 0;
      const uint64_t size = llvm::decodeULEB128(contents->bytes_begin() + at, &length, contents->bytes_end());
      const std::string function = FunctionOfSymbol(file, relocation.getSymbol());
      graph.frames[function] = std::max<int64_t>(graph.frames[function], static_cast<int64_t>(size));
    }
  }
  return graph;
}

// The deepest stack of one call of any entry point (NAME_run, NAME_run_generic,
// NAME_run_traced, ...): the largest sum of frames along a chain of calls through the
// object's own functions; and for each of `externals` (the C library's, the compiler
// runtime's functions, whose frames are not known here), the most of those frames in
// use at a call of it. The generated code does not recurse; a cycle would be cut where
// it closes. Bound -1 without frame sizes.
struct StackFigures {
  int64_t bound = -1;
  std::map<std::string, int64_t> external_call_depths;
};

StackFigures MeasureStack(const CallGraph& graph, const std::string& prefix, const std::set<std::string>& externals) {
  StackFigures figures;
  if (graph.frames.empty()) return figures;
  figures.bound = 0;
  std::map<std::string, int64_t> deepest_entry;  // function -> most bytes in use when it starts
  std::set<std::string> on_path;
  std::function<void(const std::string&, int64_t)> visit = [&](const std::string& function, int64_t above) {
    auto known = deepest_entry.find(function);
    if (on_path.count(function) || (known != deepest_entry.end() && known->second >= above)) return;
    deepest_entry[function] = above;
    const int64_t in_use = above + graph.frames.at(function);
    figures.bound = std::max(figures.bound, in_use);
    auto calls = graph.callees.find(function);
    if (calls == graph.callees.end()) return;
    on_path.insert(function);
    for (const std::string& callee : calls->second) {
      if (graph.frames.count(callee)) {
        visit(callee, in_use);
      } else if (externals.count(callee)) {
        int64_t& depth = figures.external_call_depths[callee];
        depth = std::max(depth, in_use);
      }
    }
    on_path.erase(function);
  };
  for (const auto& [function, frame] : graph.frames) {
    if (function.rfind(prefix + "_run", 0) == 0) visit(function, 0);
  }
  return figures;
}

// The names of the symbols the object references but does not define, sorted.
std::vector<std::string> UndefinedSymbols(const llvm::object::ObjectFile& file) {
  std::set<std::string> names;
  for (const llvm::object::SymbolRef& symbol : file.symbols()) {
    llvm::Expected<uint32_t> flags = symbol.getFlags();
    if (!flags) {
      llvm::consumeError(flags.takeError());
      continue;
    }
    if (!(*flags & llvm::object::SymbolRef::SF_Undefined)) continue;
    llvm::Expected<llvm::StringRef> name = symbol.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    if (!name->empty()) names.insert(name->str());
  }
  return std::vector<std::string>(names.begin(), names.end());
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
  StackFigures stack = MeasureStack(ReadCallGraph(**parsed), prefix,
                                    std::set<std::string>(object->external_functions.begin(),
                                                          object->external_functions.end()));
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

absl::StatusOr<ObjectFile> GenerateObjectFile(const CodegenRequest& request) {
  ASSIGN_OR_RETURN(std::unique_ptr<llvm::TargetMachine> machine, CreateTargetMachine(request.target));
  llvm::LLVMContext context;
  std::string weights_blob;
  ASSIGN_OR_RETURN(std::unique_ptr<llvm::Module> module, BuildModule(request, context, &weights_blob));
  module->setDataLayout(machine->createDataLayout());
  Optimize(*module, *machine);
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
