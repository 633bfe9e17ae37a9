/* A QEMU TCG plugin (plugin API version 1, as QEMU 7.2 loads it) that counts how many
 * times each translation block runs and writes, when QEMU exits, one line per block
 * that ran: its start address (hex), its instruction count and its executions. With
 * profile.py, the instructions of a benchmark image per function (one per node of a
 * modelc model) and its hottest blocks, to disassemble with arm-none-eabi-objdump.
 *   cc -shared -fPIC -O2 -o block_counts.so block_counts.c
 *   qemu-system-arm ... -icount shift=0 -plugin ./block_counts.so,out=blocks.txt -kernel IMAGE
 * The few declarations below are the plugin API's (qemu-plugin.h), which Debian's QEMU
 * does not install. A block that QEMU translates again (same address and length) is
 * counted in one entry. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
                                              uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

typedef struct {
  uint64_t address, instructions, executions;
} Block;

/* Open addressing on (address, instructions); a benchmark image has a few thousand. */
enum { kSlots = 1 << 18 };
static Block *blocks;
static const char *out_path = "blocks.txt";

static Block *Find(uint64_t address, uint64_t instructions) {
  uint64_t slot = (address * 0x9E3779B97F4A7C15ull ^ instructions) & (kSlots - 1);
  for (uint64_t probe = 0; probe < kSlots; ++probe, slot = (slot + 1) & (kSlots - 1)) {
    Block *block = &blocks[slot];
    if (block->instructions == 0) {
      block->address = address;
      block->instructions = instructions;
      return block;
    }
    if (block->address == address && block->instructions == instructions) return block;
  }
  fprintf(stderr, "block_counts: more than %d blocks\n", kSlots);
  exit(1);
}

static void Translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  const uint64_t instructions = qemu_plugin_tb_n_insns(tb);
  if (instructions == 0) return;
  Block *block = Find(qemu_plugin_tb_vaddr(tb), instructions);
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &block->executions, 1);
}

static void Exited(qemu_plugin_id_t id, void *userdata) {
  (void)id;
  (void)userdata;
  FILE *file = fopen(out_path, "w");
  if (file == NULL) {
    fprintf(stderr, "block_counts: cannot write %s\n", out_path);
    return;
  }
  for (uint64_t slot = 0; slot < kSlots; ++slot) {
    const Block *block = &blocks[slot];
    if (block->executions == 0) continue;
    fprintf(file, "%llx %llu %llu\n", (unsigned long long)block->address, (unsigned long long)block->instructions,
            (unsigned long long)block->executions);
  }
  fclose(file);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                               int argc, char **argv) {
  (void)info;
  for (int i = 0; i < argc; ++i) {
    if (strncmp(argv[i], "out=", 4) == 0) out_path = argv[i] + 4;
  }
  blocks = calloc(kSlots, sizeof *blocks);
  if (blocks == NULL) return -1;
  qemu_plugin_register_vcpu_tb_trans_cb(id, Translated);
  qemu_plugin_register_atexit_cb(id, Exited, NULL);
  return 0;
}
