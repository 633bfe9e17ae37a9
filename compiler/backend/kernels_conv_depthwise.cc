// Depthwise convolution with the channels in the vector lanes, for narrow rows (small
// images late in a network, keyword-spotting spectrograms) where vectors of pixels
// would be mostly empty; also, whatever its rows, one reading or writing NHWC itself. Per image:
//  1. the windows read a padded channels-last image, [row][column][channel]: the input
//     itself when it is stored so (the plan reads it in place), else a copy in the
//     workspace buffer "channels_last_image":
//     from a planar input, blocks of `lanes` channels x `lanes` consecutive pixels are
//     loaded as rows, transposed in registers and stored one pixel (all its channels)
//     at a time; a channels-last input without the border is copied row by row; only
//     the padding border is zeroed;
//  2. for a block of channels, the taps' weights are `lanes`-channel vectors kept in
//     registers; each output pixel accumulates one vector over the taps, reading its
//     input pixels as contiguous vectors;
//  3. a channels-last output takes each pixel's vector as it is (placed inside its
//     border, which is zeroed after the image); for a planar one,
//     `lanes` consecutive output pixels are transposed back into one vector per
//     channel and stored into the NCHW output (masked for the last, shorter block).
// Pixel positions come from tables computed at compile time, so any stride, dilation
// and padding work the same way.
#include <algorithm>
#include <optional>

#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/lowering_plan.h"
#include "llvm/IR/Intrinsics.h"

namespace modelc {
namespace {

class ChannelsLastDepthwise {
 public:
  ChannelsLastDepthwise(KernelContext& k, const ConvGeometry& g, const Epilogue& epilogue)
      : k_(k), b_(k.b), g_(g), w_(g.window), epilogue_(epilogue), lanes_(k.plan.tiles.lanes),
        type_(llvm::FixedVectorType::get(k.F32(), lanes_)),
        source_w_(w_.in_w + w_.pad_left + w_.pad_right),
        input_(k.plan.channels_last_input), output_(k.plan.channels_last_output) {}

  void Emit() {
    // Weights as [tap][channel]: a tap's weights for a block of channels are one vector.
    packed_ = k_.PreparedConstant("depthwise_weights");
    // Where output pixel q's window starts in the padded channels-last image (in floats).
    std::vector<int64_t> window;
    for (int64_t q = 0; q < w_.out_h * w_.out_w; ++q) {
      window.push_back(((q / w_.out_w) * w_.stride_h * source_w_ + (q % w_.out_w) * w_.stride_w) * w_.channels);
    }
    windows_ = k_.ConstantIndices(window, "depthwise_windows");
    // A channels-last input stored with this convolution's padding is read in place.
    const bool in_place = k_.plan.reads_input_in_place;
    if (!in_place) {
      image_ = k_.Workspace("channels_last_image",
                            w_.channels * (w_.in_h + w_.pad_top + w_.pad_bottom) * source_w_ * 4);
    }
    const int64_t output_floats = output_ ? output_->ImageFloats() : w_.channels * w_.out_h * w_.out_w;
    k_.Loop(w_.batch, [&](llvm::Value* n) {
      llvm::Value* source = image_;
      if (in_place) {
        source = k_.Address(k_.in[0], b_.CreateMul(n, k_.Int(input_->ImageFloats())));
      } else {
        EmitZeroPaddingBorder(k_, image_, w_, w_.channels);
        if (input_) {
          CopyRows(n);
        } else {
          CopyTransposed(n);
        }
      }
      Compute(n, source);
      llvm::Value* image = b_.CreateMul(n, k_.Int(output_floats));
      if (!epilogue_.Empty() && !IsVectorEpilogue(epilogue_)) {  // otherwise applied while storing
        EmitEpilogueLoop(k_, epilogue_, k_.Address(k_.out[0], image),
                         epilogue_.residual ? k_.Address(k_.in[kConvResidualInput], image) : nullptr, output_floats);
      }
      if (output_ && output_->HasBorder()) EmitZeroBorder(k_, k_.Address(k_.out[0], image), *output_);
    }, /*allow_unrolling=*/false);
  }

 private:
  // Input [channel][pixel] -> workspace [padded pixel][channel], lanes x lanes at a time.
  void CopyTransposed(llvm::Value* n) {
    const int64_t pixels = w_.in_h * w_.in_w;
    // Where input pixel q lands in the padded copy (in floats).
    std::vector<int64_t> destination;
    for (int64_t q = 0; q < pixels; ++q) {
      destination.push_back(((q / w_.in_w + w_.pad_top) * source_w_ + q % w_.in_w + w_.pad_left) * w_.channels);
    }
    llvm::Value* destinations = k_.ConstantIndices(destination, "depthwise_destinations");
    const int64_t full = pixels / lanes_, rest = pixels % lanes_;
    k_.Loop(w_.channels / lanes_, [&](llvm::Value* block) {
      llvm::Value* channel0 = b_.CreateMul(block, k_.Int(lanes_));
      auto chunk = [&](llvm::Value* q0, int64_t valid) {
        std::vector<llvm::Value*> rows;
        for (int64_t j = 0; j < lanes_; ++j) {
          llvm::Value* plane = b_.CreateMul(b_.CreateAdd(b_.CreateMul(n, k_.Int(w_.channels)), b_.CreateAdd(channel0, k_.Int(j))),
                                            k_.Int(pixels));
          llvm::Value* at = k_.Address(k_.in[0], b_.CreateAdd(plane, q0));
          rows.push_back(k_.LoadLanes(type_, at, valid, lanes_));
        }
        std::vector<llvm::Value*> columns = EmitTransposeSquare(b_, rows);  // columns[p]: pixel q0 + p
        for (int64_t p = 0; p < valid; ++p) {
          llvm::Value* destination = b_.CreateLoad(k_.Index(), b_.CreateInBoundsGEP(k_.Index(), destinations, b_.CreateAdd(q0, k_.Int(p))));
          b_.CreateAlignedStore(columns[p], k_.Address(image_, b_.CreateAdd(destination, channel0)), llvm::Align(4));
        }
      };
      k_.Loop(full, [&](llvm::Value* i) { chunk(b_.CreateMul(i, k_.Int(lanes_)), lanes_); }, /*allow_unrolling=*/false);
      if (rest > 0) chunk(k_.Int(full * lanes_), rest);
    }, /*allow_unrolling=*/false);
  }

  // Input [row][column][channel] -> the same inside the workspace's padding border.
  void CopyRows(llvm::Value* n) {
    const int64_t row_floats = w_.in_w * w_.channels;  // whole vectors: channels % lanes == 0
    k_.Loop(w_.in_h, [&](llvm::Value* row) {
      llvm::Value* from = k_.Address(k_.in[0], b_.CreateMul(b_.CreateAdd(b_.CreateMul(n, k_.Int(w_.in_h)), row), k_.Int(row_floats)));
      llvm::Value* to = k_.Address(image_, b_.CreateMul(b_.CreateAdd(b_.CreateMul(b_.CreateAdd(row, k_.Int(w_.pad_top)),
                                                                                        k_.Int(source_w_)),
                                                                          k_.Int(w_.pad_left)),
                                                              k_.Int(w_.channels)));
      k_.Loop(row_floats / lanes_, [&](llvm::Value* v) {
        llvm::Value* offset = b_.CreateMul(v, k_.Int(lanes_));
        b_.CreateAlignedStore(b_.CreateAlignedLoad(type_, k_.Address(from, offset), llvm::Align(4)),
                              k_.Address(to, offset), llvm::Align(4));
      });
    }, /*allow_unrolling=*/false);
  }

  void Compute(llvm::Value* n, llvm::Value* source) {
    const int64_t outputs = w_.out_h * w_.out_w;
    const int64_t full = outputs / lanes_, rest = outputs % lanes_;
    k_.Loop(w_.channels / lanes_, [&](llvm::Value* block) {
      llvm::Value* channel0 = b_.CreateMul(block, k_.Int(lanes_));
      std::vector<llvm::Value*> weights;
      for (int64_t t = 0; t < w_.kernel_h * w_.kernel_w; ++t) {
        weights.push_back(b_.CreateAlignedLoad(type_, k_.Address(packed_, b_.CreateAdd(k_.Int(t * w_.channels), channel0)), llvm::Align(4)));
      }
      llvm::Value* bias = llvm::Constant::getNullValue(type_);
      if (g_.has_bias) bias = b_.CreateAlignedLoad(type_, k_.Address(k_.in[2], channel0), llvm::Align(4));
      auto chunk = [&](llvm::Value* q0, int64_t valid) {
        // Taps outside, pixels inside: `valid` independent accumulation chains.
        std::vector<llvm::Value*> sums(lanes_, llvm::Constant::getNullValue(type_)), bases(valid);
        for (int64_t p = 0; p < valid; ++p) {
          llvm::Value* start = b_.CreateLoad(k_.Index(), b_.CreateInBoundsGEP(k_.Index(), windows_, b_.CreateAdd(q0, k_.Int(p))));
          bases[p] = k_.Address(source, b_.CreateAdd(start, channel0));
          sums[p] = bias;
        }
        for (int64_t kh = 0; kh < w_.kernel_h; ++kh) {
          for (int64_t kw = 0; kw < w_.kernel_w; ++kw) {
            const int64_t offset = (kh * w_.dilation_h * source_w_ + kw * w_.dilation_w) * w_.channels;
            for (int64_t p = 0; p < valid; ++p) {
              llvm::Value* pixel = b_.CreateAlignedLoad(type_, k_.Address(bases[p], k_.Int(offset)), llvm::Align(4));
              sums[p] = b_.CreateIntrinsic(llvm::Intrinsic::fmuladd, {type_}, {weights[kh * w_.kernel_w + kw], pixel, sums[p]});
            }
          }
        }
        if (output_) {
          llvm::Value* image = b_.CreateMul(n, k_.Int(output_->ImageFloats()));
          for (int64_t p = 0; p < valid; ++p) {
            llvm::Value* pixel = EmitStoredPixel(k_, *output_, b_.CreateAdd(q0, k_.Int(p)));
            llvm::Value* at = b_.CreateAdd(image, b_.CreateAdd(b_.CreateMul(pixel, k_.Int(w_.channels)), channel0));
            EmitStoreWithEpilogue(k_, epilogue_, sums[p], at, lanes_, lanes_);
          }
          return;
        }
        std::vector<llvm::Value*> channels = EmitTransposeSquare(b_, sums);  // channels[j]: lanes pixels
        for (int64_t j = 0; j < lanes_; ++j) {
          llvm::Value* plane = b_.CreateMul(b_.CreateAdd(b_.CreateMul(n, k_.Int(w_.channels)), b_.CreateAdd(channel0, k_.Int(j))),
                                            k_.Int(outputs));
          EmitStoreWithEpilogue(k_, epilogue_, channels[j], b_.CreateAdd(plane, q0), valid, lanes_);
        }
      };
      k_.Loop(full, [&](llvm::Value* i) { chunk(b_.CreateMul(i, k_.Int(lanes_)), lanes_); }, /*allow_unrolling=*/false);
      if (rest > 0) chunk(k_.Int(full * lanes_), rest);
    }, /*allow_unrolling=*/false);
  }

  KernelContext& k_;
  llvm::IRBuilder<>& b_;
  const ConvGeometry& g_;
  const WindowGeometry& w_;
  const Epilogue& epilogue_;
  const int64_t lanes_;
  llvm::Type* type_;
  const int64_t source_w_;  // the padded copy's row width
  // How input and output are stored when channels-last (the lowering plan).
  const std::optional<ChannelsLastStorage> input_, output_;
  llvm::Value* image_ = nullptr;  // the padded channels-last copy of one image, unless read in place
  llvm::Value* packed_ = nullptr;
  llvm::Value* windows_ = nullptr;
};

}  // namespace

void EmitChannelsLastDepthwise(KernelContext& k, const ConvGeometry& g, const Epilogue& epilogue) {
  ChannelsLastDepthwise(k, g, epilogue).Emit();
}

}  // namespace modelc
