// Target lookup and validation through LLVM's target registry.
#include "compiler/backend/target.h"

#include <memory>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/backend/llvm_target_machine.h"
#include "compiler/backend/tested_targets.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

namespace modelc {

void InitializeLlvmTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    // Helium's tiles of dot products are inline assembly (ops/quantize/helium_byte_dots.h).
    llvm::InitializeAllAsmParsers();
    // LLVM 19's software pipeliner, which it runs for Cortex-M7 only, miscompiles a
    // direct convolution with a fused residual once loops count in 32 bits (resnet8 on
    // QEMU's mps2-an500: 7 of 10 outputs wrong; right with it off, and on M4 and M55,
    // which do not pipeline). It stays off until an LLVM without the bug is tested.
    // Its Helium gather/scatter lowering miscompiles strided loads in vectorised loops
    // (Cortex-M55, --optimize size: a Gemm's B^T read with a stride of 64 bytes instead
    // of 16, 15 of 18 outputs wrong; a convolution 402 of its outputs). Off too: the
    // default mode's objects change only for lenet (706,500 -> 720,968 instructions).
    const char* arguments[] = {"modelc", "-enable-pipeliner=false", "-enable-arm-maskedgatscat=false"};
    llvm::cl::ParseCommandLineOptions(3, arguments);
  });
}

std::string BackendVersionText() {
  InitializeLlvmTargets();
  std::set<std::string> architectures;  // sorted: the registry's order is not defined
  for (const llvm::Target& target : llvm::TargetRegistry::targets()) architectures.insert(target.getName());
  return absl::StrCat("LLVM ", LLVM_VERSION_STRING, "; architectures: ", absl::StrJoin(architectures, " "));
}

namespace {

// ", did you mean ...?" with the tested targets nearest to `triple`.
std::string NearestTestedTargets(const std::string& triple) {
  std::vector<std::string> triples;
  for (const TestedTarget& tested : TestedTargets()) triples.push_back(tested.triple);
  return absl::StrCat("; tested targets nearest to it: ", absl::StrJoin(NearestNames(triple, triples, 2), ", "),
                      " (modelc targets lists them all)");
}

// The CPU a microcontroller triple means when no --cpu is given: the architecture's
// usual core (with its FPU where it has one), never LLVM's "generic", which has no FPU
// and would turn every float operation into a library call. A bare-metal 32-bit RISC-V
// triple means RV32IMC (the SiFive E20's set: multiply and compressed instructions, no
// FPU, no atomics), the tested core, whose code also runs on RV32IMAC cores; LLVM's
// generic RV32I would call the compiler runtime for every integer multiplication.
// Linux on 64-bit RISC-V is RV64GC with the lp64d ABI (what its GCC and libraries use):
// the SiFive U74's set, the tested core; LLVM's generic RV64I would be soft-float, an
// object the platform's toolchain cannot link with its hard-float code.
std::string DefaultCpu(const llvm::Triple& triple) {
  if (triple.getArch() == llvm::Triple::riscv32 && triple.getOS() == llvm::Triple::UnknownOS) return "sifive-e20";
  if (triple.getArch() == llvm::Triple::riscv64 && triple.isOSLinux()) return "sifive-u74";
  if (!triple.isARM() && !triple.isThumb()) return "generic";
  switch (triple.getSubArch()) {
    case llvm::Triple::ARMSubArch_v6m:
      return "cortex-m0plus";
    case llvm::Triple::ARMSubArch_v7m:
      return "cortex-m3";
    case llvm::Triple::ARMSubArch_v7em:
      return "cortex-m4";
    case llvm::Triple::ARMSubArch_v8m_baseline:
      return "cortex-m23";
    case llvm::Triple::ARMSubArch_v8m_mainline:
      return "cortex-m33";
    case llvm::Triple::ARMSubArch_v8_1m_mainline:
      return "cortex-m55";
    default:
      return "generic";
  }
}

}  // namespace

absl::StatusOr<TargetDescription> DescribeTarget(const std::string& triple, const std::string& cpu) {
  InitializeLlvmTargets();
  TargetDescription target;
  target.is_host = triple.empty();
  target.triple = llvm::Triple::normalize(target.is_host ? llvm::sys::getProcessTriple() : triple);
  if (target.is_host) {
    target.cpu = cpu.empty() ? llvm::sys::getHostCPUName().str() : cpu;
    if (cpu.empty()) {
      std::set<std::string> features;  // sorted: StringMap order is not deterministic
      for (const auto& feature : llvm::sys::getHostCPUFeatures()) {
        features.insert(absl::StrCat(feature.getValue() ? "+" : "-", feature.getKey().str()));
      }
      target.features = absl::StrJoin(features, ",");
    }
  }
  const llvm::Triple parsed(target.triple);
  if (!target.is_host) target.cpu = cpu.empty() ? DefaultCpu(parsed) : cpu;
  target.bare_metal = parsed.getOS() == llvm::Triple::UnknownOS;
  target.buffer_alignment = parsed.isX86() || parsed.isAArch64() ? 64 : 16;
  // 32-bit cores count in 32 bits: 64-bit indices cost pairs of instructions per step.
  target.index_bits = parsed.isArch32Bit() ? 32 : 64;

  if (parsed.getArch() == llvm::Triple::UnknownArch) {
    return absl::InvalidArgumentError(absl::StrCat("unknown target '", triple, "': no such architecture",
                                                   NearestTestedTargets(triple)));
  }
  // The last part may name an object format instead of an environment, as in GCC's
  // bare-metal riscv32-unknown-elf.
  const bool names_object_format =
      parsed.getEnvironmentName() == llvm::Triple::getObjectFormatTypeName(parsed.getObjectFormat());
  const bool misspelt_part = (!parsed.getEnvironmentName().empty() && !names_object_format &&
                              parsed.getEnvironment() == llvm::Triple::UnknownEnvironment) ||
                             (!parsed.getOSName().empty() && parsed.getOSName() != "unknown" &&
                              parsed.getOS() == llvm::Triple::UnknownOS && parsed.getOSName() != "none");
  if (!target.is_host && misspelt_part) {
    const std::string part = parsed.getEnvironmentName().empty() ? parsed.getOSName().str()
                                                                 : parsed.getEnvironmentName().str();
    return absl::InvalidArgumentError(absl::StrCat("unknown target '", triple, "': LLVM knows no OS or ABI called '",
                                                   part, "'", NearestTestedTargets(triple)));
  }
  std::string error;
  const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(target.triple, error);
  if (!llvm_target) {
    return absl::InvalidArgumentError(absl::StrCat("unknown target '", triple, "': ", error,
                                                   NearestTestedTargets(triple)));
  }
  // Checked before a target machine exists: LLVM would only warn and carry on.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      llvm_target->createMCSubtargetInfo(target.triple, "", ""));
  if (!subtarget || !subtarget->isCPUStringValid(target.cpu)) {
    std::vector<std::string> cpus;
    if (subtarget) {
      for (const llvm::SubtargetSubTypeKV& processor : subtarget->getAllProcessorDescriptions()) {
        cpus.push_back(processor.Key);
      }
    }
    for (const TestedTarget& tested : TestedTargets()) {  // a tested CPU of another target
      if (target.cpu == tested.cpu) {
        return absl::InvalidArgumentError(absl::StrCat("CPU '", target.cpu, "' is not one of target ", target.triple,
                                                       "'s: it needs --target ", tested.triple));
      }
    }
    const std::vector<std::string> nearest = NearestNames(target.cpu, cpus, 3);
    return absl::InvalidArgumentError(absl::StrCat("unknown CPU '", target.cpu, "' for target ", target.triple,
                                                   nearest.empty() ? "" : absl::StrCat(" (nearest: ",
                                                   absl::StrJoin(nearest, ", "), ")")));
  }
  // Vector width for hand-blocked kernels, from the features this CPU really has.
  std::unique_ptr<llvm::MCSubtargetInfo> cpu_info(
      llvm_target->createMCSubtargetInfo(target.triple, target.cpu, target.features));
  auto has = [&](const char* feature) { return cpu_info && cpu_info->checkFeatures(feature); };
  const bool hard_float = parsed.getEnvironment() == llvm::Triple::EABIHF ||
                          parsed.getEnvironment() == llvm::Triple::GNUEABIHF ||
                          parsed.getEnvironment() == llvm::Triple::MuslEABIHF;
  if ((parsed.isARM() || parsed.isThumb()) && hard_float && !has("+fpregs")) {
    return absl::InvalidArgumentError(absl::StrCat("target ", target.triple,
                                                   " passes floats in FPU registers, but CPU '", target.cpu,
                                                   "' has no FPU: use a soft-float triple (...-eabi) or a CPU with an "
                                                   "FPU, e.g. --cpu cortex-m4"));
  }
  // The int8 kernels unpack 32-bit loads with SXTB16 as little-endian bytes.
  target.dsp_pairs = (parsed.isARM() || parsed.isThumb()) && parsed.isLittleEndian() && has("+dsp");
  target.x86_int16_pairs = parsed.isX86() && has("+avx2");
  target.helium = (parsed.isARM() || parsed.isThumb()) && has("+mve");
  target.thumb2_elf = parsed.isThumb() && parsed.isOSBinFormatELF();
  target.hardware_float = parsed.isARM() || parsed.isThumb() ? has("+vfp2sp")
                          : parsed.isRISCV()                 ? has("+f")
                                                             : true;
  target.fused_multiply_add = parsed.isARM() || parsed.isThumb() ? has("+vfp4d16sp")
                              : parsed.isX86()                   ? has("+fma")
                              : parsed.isRISCV()                 ? has("+f")
                                                                 : parsed.isAArch64();
  target.int8_dsp_pairs = target.dsp_pairs && !target.helium;
  target.arm_saturating_round = target.int8_dsp_pairs && target.hardware_float;
  if (parsed.isX86()) {
    target.vector_lanes = has("+avx512f") ? 16 : has("+avx") ? 8 : 4;
    target.x86_byte_quad_lanes = has("+avx512vnni") && has("+avx512vl") ? 16 : has("+avxvnni") ? 8 : 0;
    if (target.x86_byte_quad_lanes == 0 && has("+avx2")) {
      target.x86_byte_quad_lanes = 8;
      target.x86_byte_quads_by_pairs = true;
    }
    target.vector_registers = has("+avx512f") ? 32 : 16;
  } else if (parsed.isAArch64()) {
    target.vector_lanes = 4;
    target.vector_registers = 32;
  } else if ((parsed.isARM() || parsed.isThumb()) && has("+mve.fp")) {
    target.vector_lanes = 4;
    target.vector_registers = 8;
  } else if (parsed.isRISCV() && has("+v")) {
    target.vector_lanes = 4;
    target.vector_registers = 32;
  } else {
    target.vector_lanes = 1;  // scalar floating point (Cortex-M4/M7, RV64GC)
    target.vector_registers = 16;
  }
  return target;
}

absl::StatusOr<std::unique_ptr<llvm::TargetMachine>> CreateTargetMachine(
    const TargetDescription& target) {
  InitializeLlvmTargets();
  std::string error;
  const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(target.triple, error);
  if (!llvm_target) {
    return absl::InvalidArgumentError(absl::StrCat("unknown target '", target.triple, "': ", error));
  }
  llvm::TargetOptions options;
  options.FunctionSections = true;  // lets firmware links drop what they do not call
  options.DataSections = true;
  options.EmitStackSizeSection = true;  // frame sizes, read back for the report's stack bound
  const llvm::Reloc::Model relocation = target.bare_metal ? llvm::Reloc::Static : llvm::Reloc::PIC_;
  std::unique_ptr<llvm::TargetMachine> machine(llvm_target->createTargetMachine(
      target.triple, target.cpu, target.features, options, relocation, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine) return absl::InternalError("LLVM could not create a target machine");
  return machine;
}

}  // namespace modelc
