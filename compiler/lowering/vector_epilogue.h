// Which fused epilogues kernels apply to whole vectors in registers as they store an
// output (no activation, Relu, LeakyRelu or Clip, with or without the residual), rather
// than in a second pass over the output. Kernels choose their epilogue code by it, and
// the plan whether an output may take its residual's buffer: an epilogue applied at the
// store reads the residual at a position just before writing that position.
#ifndef MODELC_LOWERING_VECTOR_EPILOGUE_H_
#define MODELC_LOWERING_VECTOR_EPILOGUE_H_

#include "compiler/ir/op_geometry.h"

namespace modelc {

bool IsVectorEpilogue(const Epilogue& epilogue);

}  // namespace modelc

#endif  // MODELC_LOWERING_VECTOR_EPILOGUE_H_
