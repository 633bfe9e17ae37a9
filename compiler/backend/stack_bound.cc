// The stack bound of a compiled model (stack_bound.h): the call graph of the object's
// functions with their frames, read back from the object LLVM emitted.
#include "compiler/backend/stack_bound.h"

#include <algorithm>
#include <functional>
#include <set>

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/LEB128.h"
#include "llvm/TargetParser/Triple.h"

namespace modelc {
namespace {

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

// Whether a relocation in a function's code is a tail call: a jump to the callee after
// the caller has released its frame (LLVM's sibling-call optimisation), so the callee's
// frame starts where the caller's started. Told by the relocation's type where the
// architecture has one for jumps (Arm, AArch64), else by the instruction it patches:
// RISC-V's `auipc` of a register other than the link registers (ra, t0: `tail` uses
// t1), x86's `jmp`/`jcc` rather than `call`. Anything else counts as a call, which can
// only make the bound larger.
bool IsTailCall(llvm::Triple::ArchType arch, const llvm::object::RelocationRef& relocation, llvm::StringRef code) {
  const uint64_t type = relocation.getType();
  const uint64_t offset = relocation.getOffset();
  switch (arch) {
    // An Arm ELF object says arm whatever its code (a Cortex-M's is Thumb): Thumb's B.W
    // and B<c>.W are the only jumps that patch R_ARM_THM_JUMP24 and R_ARM_THM_JUMP19
    // (Thumb's BL, also in an IT block, is R_ARM_THM_CALL); A32's R_ARM_JUMP24 also
    // patches a conditional BL, so it counts as a call.
    case llvm::Triple::arm:
    case llvm::Triple::thumb:
      return type == llvm::ELF::R_ARM_THM_JUMP24 || type == llvm::ELF::R_ARM_THM_JUMP19;
    case llvm::Triple::aarch64:
      return type == llvm::ELF::R_AARCH64_JUMP26;
    case llvm::Triple::riscv32:
    case llvm::Triple::riscv64: {
      if ((type != llvm::ELF::R_RISCV_CALL && type != llvm::ELF::R_RISCV_CALL_PLT) || offset + 4 > code.size()) {
        return false;
      }
      const uint32_t instruction = llvm::support::endian::read32le(code.data() + offset);
      const uint32_t opcode = instruction & 0x7f, destination = (instruction >> 7) & 0x1f;
      constexpr uint32_t kAuipc = 0x17, kRa = 1, kT0 = 5;
      return opcode == kAuipc && destination != kRa && destination != kT0;
    }
    case llvm::Triple::x86_64:
    case llvm::Triple::x86: {
      if ((type != llvm::ELF::R_X86_64_PLT32 && type != llvm::ELF::R_X86_64_PC32) || offset < 2 ||
          offset > code.size()) {
        return false;
      }
      const auto byte = [&](uint64_t at) { return static_cast<uint8_t>(code[at]); };
      constexpr uint8_t kJmp = 0xe9, kTwoByteOpcode = 0x0f;
      return byte(offset - 1) == kJmp || (byte(offset - 2) == kTwoByteOpcode && (byte(offset - 1) & 0xf0) == 0x80);
    }
    default:
      return false;
  }
}

// What the stack bound is computed from: each function's frame, from the .stack_sizes
// sections (a relocated function address followed by the frame size, ULEB128), and
// the calls between functions, from the relocations of each function's own section
// (.text.NAME: every function has one) that name another function. A reference that is
// not a call (an address taken) only makes the bound larger.
struct CallGraph {
  std::map<std::string, int64_t> frames;  // function -> frame bytes
  // function -> the functions it refers to, each with whether every reference to it
  // is a tail call (IsTailCall).
  std::map<std::string, std::map<std::string, bool>> callees;
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
      llvm::StringRef code;  // empty when unreadable: every reference then counts as a call
      if (llvm::Expected<llvm::StringRef> contents = section.getContents()) {
        code = *contents;
      } else {
        llvm::consumeError(contents.takeError());
      }
      for (const llvm::object::RelocationRef& relocation : relocations.relocations()) {
        const std::string callee = FunctionOfSymbol(file, relocation.getSymbol());
        if (callee.empty() || callee == caller) continue;
        const bool tail = IsTailCall(file.getArch(), relocation, code);
        const auto [known, inserted] = graph.callees[caller].emplace(callee, tail);
        if (!inserted) known->second = known->second && tail;
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

// The deepest stack of one call of any entry point, counted from the stack pointer
// before the call: the largest sum of frames along a chain of calls through the
// object's own functions, each call adding `call_pushes` (the return address x86's CALL
// pushes, outside the callee's .stack_sizes frame; 0 where it stays in a register), a
// tail call adding the callee's frame to what was in use when its caller started; and
// for each of `externals`, the most of those bytes in use at a call of it. The generated
// code does not recurse; a cycle would be cut where it closes.
StackFigures MeasureStack(const CallGraph& graph, const std::string& prefix, const std::set<std::string>& externals,
                          int64_t call_pushes) {
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
    for (const auto& [callee, tail_call] : calls->second) {
      const int64_t at_call = tail_call ? above : in_use + call_pushes;  // a tail call reuses the caller's frame
      if (graph.frames.count(callee)) {
        visit(callee, at_call);
      } else if (externals.count(callee)) {
        int64_t& depth = figures.external_call_depths[callee];
        depth = std::max(depth, at_call);
      }
    }
    on_path.erase(function);
  };
  for (const auto& [function, frame] : graph.frames) {
    if (function.rfind(prefix + "_run", 0) == 0) visit(function, call_pushes);
  }
  return figures;
}

}  // namespace

StackFigures BoundStack(const llvm::object::ObjectFile& file, const std::string& prefix) {
  const std::vector<std::string> externals = UndefinedSymbols(file);
  const int64_t call_pushes = file.getArch() == llvm::Triple::x86_64 ? 8 : file.getArch() == llvm::Triple::x86 ? 4 : 0;
  return MeasureStack(ReadCallGraph(file), prefix, std::set<std::string>(externals.begin(), externals.end()),
                      call_pushes);
}

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

}  // namespace modelc
