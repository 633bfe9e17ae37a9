// Choice of the machine the generated code runs on. LLVM-free interface: the driver
// and planner need the target's facts (alignment) without seeing LLVM types.
#ifndef MODELC_BACKEND_TARGET_H_
#define MODELC_BACKEND_TARGET_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace modelc {

struct TargetDescription {
  std::string triple;    // normalised LLVM triple
  std::string cpu;       // LLVM CPU name
  std::string features;  // LLVM feature string, sorted ("+avx2,+fma,...")
  bool is_host = false;
  bool bare_metal = false;        // no OS: static relocation model
  int64_t buffer_alignment = 16;  // alignment of the scratch arena and weights
  int vector_lanes = 1;           // float32 lanes of the widest vector kernels may use
  int vector_registers = 16;      // how many such registers the target has
  int index_bits = 64;            // loop indices and element offsets: the pointer width
  bool dsp_pairs = false;         // Arm's DSP extension: SMLAD, two 16-bit products per instruction
  bool x86_int16_pairs = false;   // AVX2's VPMADDWD: 16 int16 products summed in pairs into 8 int32
  bool helium = false;            // Arm's M-profile vector extension: VMLADAV sums a vector's products
  // Thumb-2 code in an ELF object (every Cortex-M): the DSP pairs' inline assembly is
  // Thumb-2's (A32's LDRD takes an even register pair) and takes 13 registers, every one
  // but SP and PC being free (no frame pointer, no reserved R9; Mach-O reserves both).
  bool thumb2_elf = false;
  // The DSP extension without Helium (Cortex-M4, M7, M33): the int8 products' kernels are
  // DSP pairs (Helium's multiply 16 codes an instruction instead).
  bool int8_dsp_pairs = false;
  // x86's VPDPBUSD (AVX512-VNNI, AVX-VNNI): four uint8 x int8 products summed into each
  // int32 lane, in vectors of this many lanes (16: 512-bit, 8: 256-bit; 0: none). On AVX2
  // without VNNI 8 too, by its exact form (x86_byte_quads_by_pairs).
  int x86_byte_quad_lanes = 0;
  // AVX2 without VNNI: each VPDPBUSD as two VPMADDWDs of the bytes' even and odd halves
  // widened to int16 (uint8 x int8 products and their pairs' sums fit int32 exactly);
  // the plan records it per node (NodePlan::byte_quad_weight_pairs).
  bool x86_byte_quads_by_pairs = false;
  bool hardware_float = true;     // an FPU: float arithmetic and sqrt are instructions, not
                                  // compiler-runtime calls (false on Cortex-M3, RV32IMC)
  // A float32 fused multiply-add instruction (one rounding): Arm's VFMA (FPv4 and later:
  // Cortex-M4F, M7, M33, M55), x86's FMA3, AArch64, RISC-V's F. Without it a kernel that
  // needs the fused result (ONNX Runtime's QLinearAdd) computes it in float64.
  bool fused_multiply_add = false;
  // Arm with an FPU and the DSP extension but no Helium (Cortex-M4F, M7, M33): VCVTR
  // rounds a float to int32 as FPSCR says (to nearest, halves to even, as the float
  // additions of the generic form also assume), saturating; QADD and SSAT/USAT saturate
  // integers. (The M55 keeps the generic form, which LLVM vectorises.)
  bool arm_saturating_round = false;
};

// Empty triple means the machine the compiler runs on; empty cpu means the host CPU
// for the host, the architecture's usual core for Cortex-M triples (thumbv7em:
// cortex-m4, ...) and "generic" otherwise. Unknown triples or CPU names, and a
// hard-float triple with a CPU that has no FPU, are errors.
absl::StatusOr<TargetDescription> DescribeTarget(const std::string& triple, const std::string& cpu);

// For --version: the LLVM version and the architectures it can generate code for.
std::string BackendVersionText();

}  // namespace modelc

#endif  // MODELC_BACKEND_TARGET_H_
