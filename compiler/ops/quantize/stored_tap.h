// The order in which kernels that take products in pairs store each 4 taps: 0, 2, 1, 3,
// so that one 32-bit word holds a quad's even taps (0 and 2) and the next its odd ones
// (1 and 3), as Arm's SXTB16 unpacks bytes 0 and 2 of 4 (then, rotated by 8, 1 and 3)
// and x86's VPMADDWD takes a word's two int16 halves: the DSP pairs' int16 windows
// (dsp_pairs.h), pixel-lanes' weights by VPMADDWD pairs (NodePlan::byte_quad_weight_pairs).
#ifndef MODELC_OPS_QUANTIZE_STORED_TAP_H_
#define MODELC_OPS_QUANTIZE_STORED_TAP_H_

#include <cstdint>

namespace modelc {

// Where tap t is stored (the order is its own inverse: tap StoredTap(t) is stored at t).
inline int64_t StoredTap(int64_t t) { return (t & ~int64_t{3}) | ((t & 1) << 1) | ((t >> 1) & 1); }

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_STORED_TAP_H_
