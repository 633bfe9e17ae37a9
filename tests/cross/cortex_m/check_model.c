/* One model on a Cortex-M (or 32-bit RISC-V core): runs it through its descriptor's
 * generic entry point on each stored sample (the inputs of one run after another; one
 * sample for most models), and compares every output with the stored reference (the
 * reference evaluator's for an operator model, ONNX Runtime's for a benchmark network,
 * TFLite's reference kernels' for a TFLite model) within the host op tests' tolerance (1e-5 + 1e-4 * |expected|;
 * NaN matches NaN), or, with MODEL_EXACT_OUTPUTS (int8 TFLite models), byte for byte. It also measures the stack the call used (painting) and prints it
 * beside the bound modelc's report states (MODEL_STACK_BOUND: the generated frames along
 * the deepest chain of calls). The measurement may exceed the bound by at most
 * MODEL_LIBRARY_STACK bytes, the frames of the library functions the object calls
 * (libgcc's float helpers, memset), and, with MODEL_STACK_BOUND_SLACK, lie at most that
 * far below it (the bound is tight; the lowest word of a frame may stay unwritten).
 * With MODEL_POOLS (a model compiled with two pools, dtcm and sram) the scratch is those
 * pools, in the memories the board script names.
 * Where the toolchain file knows the library's frames, MODEL_STACK_EXPECTED is the bound
 * through the library calls too (cmake/ReportStackBound.cmake), which the measurement
 * may neither exceed nor lie more than MODEL_STACK_BOUND_SLACK below. Exit status 0
 * only when every check passes. */
#include <stdint.h>
#include <string.h>

#include "semihosting.h"
#include "stack_paint.h"

#define STRINGIFY_VALUE(x) #x
#define STRINGIFY(x) STRINGIFY_VALUE(x)
#include STRINGIFY(MODEL_HEADER)
#include STRINGIFY(STACK_BOUND_HEADER)

/* The stored samples' inputs and references, and room for the outputs (as many bytes as
 * the references), from the check's generated NAME_data.c: the files as they are, put in
 * by the assembler (.incbin), 16-byte aligned. */
extern const unsigned char model_inputs[], model_inputs_end[], model_references[], model_references_end[];
extern unsigned char model_outputs[];

#define MAX_TENSORS 64

/* Every arena is followed by guard bytes that must come back unchanged: the arena ends
 * at its top tensor's last byte, and no kernel may write past it. */
#define GUARD_BYTES 64
#define GUARD_VALUE 0xC5
#define GUARDED_ARENA(name, size, alignment) \
  struct {                                   \
    _Alignas(alignment) unsigned char bytes[(size) > 0 ? (size) : 1]; \
    unsigned char guard[GUARD_BYTES];        \
  } name
#if defined(MODEL_POOLS)
/* A model compiled with --pool dtcm=... --pool sram=...: each pool in the section the
 * board script (boards/mps3_an547_pools.ld) puts in that memory; the generic entry point
 * takes their pointers in an array, fastest first. */
static GUARDED_ARENA(pool_dtcm, MODEL_POOL_DTCM_SIZE, MODEL_POOL_DTCM_ALIGNMENT) __attribute__((section(".pool_dtcm")));
static GUARDED_ARENA(pool_sram, MODEL_POOL_SRAM_SIZE, MODEL_POOL_SRAM_ALIGNMENT) __attribute__((section(".pool_sram")));
static void *const pools[2] = {pool_dtcm.bytes, pool_sram.bytes};
static unsigned char *const guards[] = {pool_dtcm.guard, pool_sram.guard};
#define RUN(inputs, outputs) model->run_with_pools(inputs, outputs, NULL, pools)
#else
static GUARDED_ARENA(scratch, MODEL_SCRATCH_SIZE, MODEL_SCRATCH_ALIGNMENT);
static unsigned char *const guards[] = {scratch.guard};
#define RUN(inputs, outputs) model->run(inputs, outputs, scratch.bytes)
#endif

static int Fail(const char *message) {
  semihosting_write("error: ");
  semihosting_write(message);
  semihosting_write("\n");
  return 1;
}

int main(void) {
  const modelc_model_info *model = &MODEL_INFO;
#if defined(MODEL_POOLS)
  /* Both pools in use, and where their memories are (DTCM 0x30000000, SRAM 0x31000000). */
  if (model->pool_count != 2 || model->pools[0].size == 0 || model->pools[1].size == 0) {
    return Fail("the model does not use both pools");
  }
  if (((uintptr_t)pool_dtcm.bytes >> 24) != 0x30 || ((uintptr_t)pool_sram.bytes >> 24) != 0x31) {
    return Fail("the pools are not in the DTCM and the SRAM");
  }
  semihosting_write("pools: ");
  for (uint32_t p = 0; p < model->pool_count; ++p) {
    semihosting_write(model->pools[p].name);
    semihosting_write(" ");
    semihosting_write_int((long)model->pools[p].size);
    semihosting_write(p == 0 ? " bytes at 0x30..., " : " bytes at 0x31...\n");
  }
#endif
  if (model->input_count > MAX_TENSORS || model->output_count > MAX_TENSORS) return Fail("too many tensors");
  const void *inputs[MAX_TENSORS];
  void *output_pointers[MAX_TENSORS];
  uint32_t input_bytes = 0, output_bytes = 0;
  for (uint32_t i = 0; i < model->input_count; ++i) input_bytes += (uint32_t)model->inputs[i].byte_size;
  for (uint32_t i = 0; i < model->output_count; ++i) output_bytes += (uint32_t)model->outputs[i].byte_size;
  /* Addresses, not pointers, subtracted: the ends are symbols of their own to C. */
  const uint32_t stored_input_bytes = (uint32_t)((uintptr_t)model_inputs_end - (uintptr_t)model_inputs);
  const uint32_t stored_output_bytes = (uint32_t)((uintptr_t)model_references_end - (uintptr_t)model_references);
  const uint32_t samples = input_bytes > 0 ? stored_input_bytes / input_bytes : 1;
  if (samples < 1 || samples * input_bytes != stored_input_bytes) return Fail("the input data does not match the model");
  if (samples * output_bytes != stored_output_bytes) return Fail("the reference data does not match the model");
  memset(model_outputs, 0xFF, stored_output_bytes); /* NaN: an output never written cannot match a number */
  for (uint32_t g = 0; g < sizeof guards / sizeof guards[0]; ++g) memset(guards[g], GUARD_VALUE, GUARD_BYTES);
  uint32_t stack_used = 0;
  for (uint32_t sample = 0; sample < samples; ++sample) {
    uint32_t offset = sample * input_bytes;
    for (uint32_t i = 0; i < model->input_count; ++i) {
      inputs[i] = model_inputs + offset;
      offset += (uint32_t)model->inputs[i].byte_size;
    }
    offset = sample * output_bytes;
    for (uint32_t i = 0; i < model->output_count; ++i) {
      output_pointers[i] = model_outputs + offset;
      offset += (uint32_t)model->outputs[i].byte_size;
    }
    const void *stack_before_call = current_stack_pointer();
    stack_paint();
    const int status = RUN(inputs, output_pointers);
    const uint32_t used = stack_used_since_paint(stack_before_call);
    if (used > stack_used) stack_used = used;
    if (status != MODELC_OK) return Fail("the model returned an error status");
  }
  for (uint32_t g = 0; g < sizeof guards / sizeof guards[0]; ++g) {
    for (uint32_t i = 0; i < GUARD_BYTES; ++i) {
      if (guards[g][i] != GUARD_VALUE) return Fail("a kernel wrote past the end of the scratch");
    }
  }
  uint32_t mismatches = 0;
#if defined(MODEL_EXACT_OUTPUTS)
  /* int8 models: every output byte must be the reference's. */
  for (uint32_t i = 0; i < stored_output_bytes; ++i) mismatches += model_outputs[i] != model_references[i];
#else
  const float *actual = (const float *)model_outputs, *expected = (const float *)model_references;
  for (uint32_t i = 0; i < stored_output_bytes / sizeof(float); ++i) {
    const float a = actual[i], e = expected[i];
    const float difference = a > e ? a - e : e - a;
    const float magnitude = e < 0 ? -e : e;
    const int both_nan = a != a && e != e;
    if (!both_nan && !(difference <= 1e-5f + 1e-4f * magnitude)) ++mismatches;
  }
#endif
  semihosting_write(model->name);
  semihosting_write(": stack measured ");
  semihosting_write_int((long)stack_used);
  semihosting_write(" bytes, bound ");
  semihosting_write_int((long)MODEL_STACK_BOUND);
  semihosting_write(" bytes");
#if defined(MODEL_STACK_EXPECTED)
  semihosting_write(", with the library's frames ");
  semihosting_write_int((long)MODEL_STACK_EXPECTED);
  semihosting_write(" bytes");
#endif
  semihosting_write("\n");
#if defined(MODEL_STACK_EXPECTED)
  if (stack_used > MODEL_STACK_EXPECTED) return Fail("the measured stack exceeds the bound with the library's frames");
#endif
  const long stack_difference = (long)stack_used - (long)MODEL_STACK_BOUND;
  if (stack_difference > MODEL_LIBRARY_STACK) {
    return Fail("the measured stack exceeds the bound by more than the library's " STRINGIFY(MODEL_LIBRARY_STACK)
                " bytes");
  }
#if defined(MODEL_STACK_BOUND_SLACK)
  if (stack_difference < -MODEL_STACK_BOUND_SLACK) {
    return Fail("the measured stack is more than " STRINGIFY(MODEL_STACK_BOUND_SLACK) " bytes below the bound");
  }
#if defined(MODEL_STACK_EXPECTED)
  if ((long)stack_used < (long)MODEL_STACK_EXPECTED - MODEL_STACK_BOUND_SLACK) {
    return Fail("the measured stack is more than " STRINGIFY(MODEL_STACK_BOUND_SLACK)
                " bytes below the bound with the library's frames");
  }
#endif
#endif
  semihosting_write(model->name);
  if (mismatches > 0) {
    semihosting_write(": MISMATCH in ");
    semihosting_write_int((long)mismatches);
    semihosting_write(" elements\n");
    return 1;
  }
  semihosting_write(": all outputs match the reference\n");
  return 0;
}
