// The uint8 x int8 dot products of the byte-quad kernels on x86 with VPDPBUSD
// (AVX512-VNNI, AVX-VNNI; QuantizedProductKernel::kChannelLanes and kPixelLanes,
// lowering/quantized_product_lowering.h): each int32 lane of a vector takes four products
// an instruction, four uint8 codes times four int8 weights; on AVX2 without VNNI the same
// sums by VPMADDWD pairs (NodePlan::byte_quad_weight_pairs).
#ifndef MODELC_OPS_QUANTIZE_BYTE_QUADS_H_
#define MODELC_OPS_QUANTIZE_BYTE_QUADS_H_

#include <cstdint>

#include "llvm/IR/IRBuilder.h"

namespace modelc {

class KernelContext;

// VPDPBUSD on a vector of 16 or 8 int32 sums: each lane's sum plus the four products of
// its uint8 codes and int8 weights (four bytes a lane of `codes` and `weights`, vectors
// of as many i32).
llvm::Value* EmitByteQuadDot(llvm::IRBuilder<>& b, llvm::Value* sums, llvm::Value* codes, llvm::Value* weights);
// Its exact form on AVX2 (NodePlan::byte_quad_weight_pairs), the weights prepared as
// int16 pairs: `even_weights` and `odd_weights` (vectors of 8 i32) hold each lane's
// weights 0 and 2, and 1 and 3; the codes' even and odd bytes zero-extended to int16, two
// VPMADDWDs (each pair's sum at most 2 * 255 * 128: exact), added to the lanes.
llvm::Value* EmitByteQuadPairsDot(llvm::IRBuilder<>& b, llvm::Value* sums, llvm::Value* codes,
                                  llvm::Value* even_weights, llvm::Value* odd_weights);

// Channel-lanes' weights (QuantizedProductKernel::kChannelLanes): the prepared
// "weights_quads", or with NodePlan::byte_quad_weight_pairs "weight_pairs"; pixel-lanes'
// (kPixelLanes): "weights_int8", or "weight_pairs".
llvm::Value* ChannelLanesWeights(KernelContext& k);
llvm::Value* PixelLanesWeights(KernelContext& k);

// The dot products of `padded` uint8 codes from `codes` (a whole number of
// kWindowDotLanes) with `lanes` rows of weights from row `first` of `weights`
// (ChannelLanesWeights: [padded / 4][lanes][4] int8 a block as VPDPBUSD reads them, or
// int16 pairs [padded / 4][2][lanes][2]): each 4 codes in every lane, into four sums in
// turn (their instructions overlap), added at the end. A vector of `lanes` i32.
llvm::Value* EmitQuadRowSums(KernelContext& k, llvm::Value* codes, llvm::Value* weights, llvm::Value* first,
                             int64_t padded, int64_t lanes);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_BYTE_QUADS_H_
