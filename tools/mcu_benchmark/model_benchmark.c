/* Benchmark image for one model: runs it once on the stored input, timed by the SysTick
 * instruction counter, with the stack painted beforehand to find its high-water mark,
 * and compares every output with ONNX Runtime's reference.
 *
 * The build defines MODEL_HEADER (NAME.h), MODEL_INFO (NAME_model_info),
 * MODEL_SCRATCH_SIZE and MODEL_SCRATCH_ALIGNMENT (the header's macros); benchmark_data.h
 * holds benchmark_input (the inputs, concatenated in order) and benchmark_reference
 * (the expected outputs, likewise). The model is called through its descriptor's
 * generic entry point, so one program serves any float32 or int8 model.
 * Prints one `result:` line; exit status 0 only when every output is within
 * kTolerance of the reference (all outputs float32), or equal to it byte for byte (an
 * int8 output: a TFLite int8 model against the TFLite reference kernels). */
#include <stdint.h>
#include <string.h>

#include "benchmark_data.h"
#include "instruction_counter.h"
#include "print.h"
#include "semihosting.h"
#include "stack_usage.h"

#define STRINGIFY_VALUE(x) #x
#define STRINGIFY(x) STRINGIFY_VALUE(x)
#include STRINGIFY(MODEL_HEADER)

#define kMaxTensors 16
static const float kTolerance = 1e-4f; /* as the firmware sample and the cross tests */

static _Alignas(MODEL_SCRATCH_ALIGNMENT) unsigned char scratch[MODEL_SCRATCH_SIZE > 0 ? MODEL_SCRATCH_SIZE : 1];
static _Alignas(16) unsigned char outputs[sizeof benchmark_reference];

static _Noreturn void Fail(const char *message) {
  semihosting_write("result: error ");
  semihosting_write(message);
  semihosting_write("\n");
  semihosting_exit(1);
}

/* Points each tensor at its place in a concatenation of all of them; the sizes must add
 * up to `total` bytes. */
static void Split(const modelc_tensor_info *tensors, uint32_t count, const unsigned char *base, uint32_t total,
                  const void **pointers) {
  uint32_t offset = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (tensors[i].element_type != MODELC_FLOAT32 && tensors[i].element_type != MODELC_INT8) {
      Fail("a tensor is neither float32 nor int8 (only those models are benchmarked)");
    }
    pointers[i] = base + offset;
    offset += (uint32_t)tensors[i].byte_size;
  }
  if (offset != total) Fail("the data files do not match the model's tensor sizes");
}

int main(void) {
  const modelc_model_info *model = &MODEL_INFO;
  if (model->run == NULL) Fail("the model takes external weights or pools (compile it without them)");
  if (model->input_count > kMaxTensors || model->output_count > kMaxTensors) Fail("too many inputs or outputs");
  const void *inputs[kMaxTensors];
  const void *output_pointers[kMaxTensors];
  void *output_buffers[kMaxTensors];
  Split(model->inputs, model->input_count, benchmark_input, sizeof benchmark_input, inputs);
  Split(model->outputs, model->output_count, (const unsigned char *)outputs, sizeof outputs, output_pointers);
  for (uint32_t i = 0; i < model->output_count; ++i) output_buffers[i] = (void *)output_pointers[i];
  memset(outputs, 0xFF, sizeof outputs); /* NaN: an output never written cannot match */

  /* The timed call: SysTick restarted at the start of a period, one inference. */
  const void *stack_before_call;
  __asm__ volatile("mov %0, sp" : "=r"(stack_before_call));
  stack_usage_paint();
  instruction_counter_start(INSTRUCTION_COUNTER_FULL_RELOAD);
  const uint64_t start = instruction_counter_ticks();
  const int status = model->run(inputs, output_buffers, scratch);
  const uint64_t end = instruction_counter_ticks();
  const uint32_t wraps = instruction_counter_wraps();
  const uint32_t stack = stack_usage_since_paint(stack_before_call);

  int exact = 0;
  for (uint32_t i = 0; i < model->output_count; ++i) exact |= model->outputs[i].element_type != MODELC_FLOAT32;
  float worst = 0.0f;
  if (exact) {
    worst = memcmp(outputs, benchmark_reference, sizeof outputs) == 0 ? 0.0f : 1.0f;
  } else {
    const float *reference = (const float *)benchmark_reference;
    const float *values = (const float *)outputs;
    for (uint32_t i = 0; i < sizeof outputs / sizeof(float); ++i) {
      float difference = values[i] - reference[i];
      if (difference < 0) difference = -difference;
      if (!(difference <= worst)) worst = difference; /* NaN counts as worst */
    }
  }
  const int ok = status == MODELC_OK && worst <= kTolerance;
  uint32_t worst_bits;
  memcpy(&worst_bits, &worst, sizeof worst_bits);

  semihosting_write("result: model=");
  semihosting_write(model->name);
  semihosting_write(" instructions=");
  print_uint64(instruction_counter_instructions(end - start));
  semihosting_write(" ticks=");
  print_uint64(end - start);
  semihosting_write(" wraps=");
  print_uint64(wraps);
  semihosting_write(" stack_bytes=");
  print_uint64(stack);
  semihosting_write(" scratch_bytes=");
  print_uint64(MODEL_SCRATCH_SIZE);
  semihosting_write(" status=");
  print_uint64((uint64_t)status);
  semihosting_write(" max_abs_error_bits=");
  print_hex32(worst_bits);
  semihosting_write(ok ? " ok\n" : " MISMATCH\n");
  return ok ? 0 : 1;
}
