// The blocked convolution kernel, used when the weights are constant (the usual case).
//
// For one image row of outputs, a tile of U vectors of VL pixels for OCB output channels
// is accumulated in registers over the whole reduction (input channel x kh x kw): per
// tap, U input vectors are loaded once and each of the OCB weights (repacked at compile
// time to be adjacent) is broadcast and multiplied into U accumulators. Inputs with
// padding are first copied into a zero-bordered workspace, so no tap needs a bounds
// check (the blocked form copies an NHWC input, kFusedChannelsLastInput, into planes
// even unpadded; the clipped form reads it in place, scalar tiles only): the whole
// input at once, or (the plan's "padded_rows", --optimize memory) one
// band of rows at a time, the rows one block of output rows reads, for every output
// channel before the next band. Tiles narrower than the vector (row ends) run the same
// code with one lane. Writing over its input (the plan's writes_over_consumed_input), the
// kernel iterates the convolution's own rows and copies bands of them, padded or not.
// The clipped form (the plan's blocked-clipped) copies nothing: it reads the input where
// it lies, a row above or below it from a constant zero row, and the tiles at the row
// ends load only the lanes inside it (their masks known while compiling, or computed at
// run time where the plan says so).
// The node's fused epilogue (residual, activation) runs on each finished plane (an NHWC
// output's: on each finished image).
#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/conv_lowering.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/Intrinsics.h"

namespace modelc {
namespace {

// Where a tile's columns lie (the clipped form): all inside the input; at a row end
// whose first column is known while compiling (taps unrolled, constant lane masks); at a
// row end found at run time (the plan's row_end_masks_at_run_time: one loop over the row
// ends' tiles, masks computed per tap).
enum class TileColumns { kInside, kEdgeKnown, kEdgeAtRunTime };

class BlockedConv {
 public:
  BlockedConv(KernelContext& k, const ConvGeometry& g, const Epilogue& epilogue)
      : k_(k), b_(k.b), g_(g), clipped_(std::get<ConvKernel>(k.plan.kernel) == ConvKernel::kBlockedClipped),
        window_(k.plan.writes_over_consumed_input || clipped_ ? g.window : IteratedWindow(g.window)),
        s_(window_), epilogue_(epilogue),
        tiles_(k.plan.tiles), input_channels_last_(k.plan.channels_last_input.has_value()),
        output_(k.plan.channels_last_output), source_h_(s_.in_h + s_.pad_top + s_.pad_bottom),
        source_w_(s_.in_w + s_.pad_left + s_.pad_right), taps_(g.InChannelsPerGroup() * s_.kernel_h * s_.kernel_w) {}

  // The blocked, channel-tiled and pointwise-product variants (the plan says which).
  void Emit() {
    switch (std::get<ConvKernel>(k_.plan.kernel)) {
      case ConvKernel::kPointwiseProduct:
        EmitPointwiseProduct();
        return;
      case ConvKernel::kChannelTiles:
        EmitChannelTiled();
        return;
      case ConvKernel::kBlocked:
        EmitBlocked();
        return;
      case ConvKernel::kBlockedClipped:
        EmitBlockedClipped();
        return;
      case ConvKernel::kDirect:
      case ConvKernel::kChannelsLastDepthwise:
      case ConvKernel::kWinograd:
        break;
    }
    MODELC_CHECK(false, "the blocked convolution kernel runs only its own variants");
  }

 private:
  void EmitBlocked() {
    packed_ = k_.PreparedConstant("blocked_weights");  // [tap][channel] per block of output channels
    if (k_.plan.FindWorkspace(BandWorkspace()) != nullptr) {
      EmitBlockedByRowBands();
      return;
    }
    source_ = EmitZeroPaddedCopy(k_, s_, input_channels_last_ ? PaddedCopy::kChannelsLastToPlanar : PaddedCopy::kPlanar);
    k_.Loop(s_.batch, [&](llvm::Value* n) {
      ForEachChannelBlock([&](llvm::Value* group, llvm::Value* first_oc, int64_t size) {
        EmitBlock(n, group, first_oc, size);
      });
      EmitImageEpilogue(n);
    });
  }

  // An NHWC input (scalar tiles only) is read where it lies too, a pixel's channel
  // `channels` floats from the next pixel's, the zero row as wide.
  void EmitBlockedClipped() {
    packed_ = k_.PreparedConstant("blocked_weights");
    source_ = k_.in[0];
    zero_row_ = k_.ConstantFloats(std::vector<float>(s_.in_w * ClippedPixelStride(), 0.0f), "zero_row");
    k_.Loop(s_.batch, [&](llvm::Value* n) {
      ForEachChannelBlock([&](llvm::Value* group, llvm::Value* first_oc, int64_t size) {
        EmitBlock(n, group, first_oc, size);
      });
      EmitImageEpilogue(n);
    });
  }

  // How far apart the clipped form reads a row's pixels: 1 in planes, the channels NHWC.
  int64_t ClippedPixelStride() const { return input_channels_last_ ? s_.channels : 1; }

  // Calls body(group, first output channel, channels) for each block of output channels.
  void ForEachChannelBlock(const std::function<void(llvm::Value*, llvm::Value*, int64_t)>& body) {
    k_.Loop(g_.groups, [&](llvm::Value* group) {
      ForEachChannelBlockOf(group, [&](llvm::Value* first_oc, int64_t size) { body(group, first_oc, size); });
    });
  }

  // Calls body(first output channel, channels) for each block of `group`'s output channels.
  void ForEachChannelBlockOf(llvm::Value* group, const std::function<void(llvm::Value*, int64_t)>& body) {
    const int64_t per_group = g_.OutChannelsPerGroup();
    const int64_t full_blocks = per_group / tiles_.channel_block, rest = per_group % tiles_.channel_block;
    llvm::Value* first_oc = b_.CreateMul(group, k_.Int(per_group));
    k_.Loop(full_blocks, [&](llvm::Value* block) {
      body(b_.CreateAdd(first_oc, b_.CreateMul(block, k_.Int(tiles_.channel_block))), tiles_.channel_block);
    });
    if (rest > 0) body(b_.CreateAdd(first_oc, k_.Int(full_blocks * tiles_.channel_block)), rest);
  }

  // Calls body(first output row, rows) for each block of the plan's output rows.
  void ForEachRowBlock(const std::function<void(llvm::Value*, int64_t)>& body, bool allow_unrolling = true) {
    ForEachBlockOfRows(k_.Int(0), s_.out_h, tiles_.rows, body, allow_unrolling);
  }

  // Calls body(first row, rows) for each block of `block` rows of the `count` from `first`.
  void ForEachBlockOfRows(llvm::Value* first, int64_t count, int64_t block,
                          const std::function<void(llvm::Value*, int64_t)>& body, bool allow_unrolling = true) {
    const int64_t blocks = count / block, rest = count % block;
    k_.Loop(blocks, [&](llvm::Value* i) { body(b_.CreateAdd(first, b_.CreateMul(i, k_.Int(block))), block); },
            allow_unrolling);
    if (rest > 0) body(b_.CreateAdd(first, k_.Int(blocks * block)), rest);
  }

  // The band's workspace, and the output rows one band of input rows serves.
  const char* BandWorkspace() const { return k_.plan.writes_over_consumed_input ? "copied_rows" : "padded_rows"; }
  int64_t BandOutputRows() const { return tiles_.band_rows > 0 ? tiles_.band_rows : tiles_.rows; }

  // Per image and group, per band of output rows (the plan's band rows, else one block):
  // the band of padded input rows they read, for each of the group's input channels
  // ([channel][band row][padded column]; the pad columns stay zero from one clearing,
  // rows outside the input are copied from the zero row after the band), then each
  // block of the group's output channels over each block of those rows. A depthwise
  // convolution's band is one channel's rows.
  void EmitBlockedByRowBands() {
    band_rows_ = PaddedBandRows(s_, BandOutputRows());
    const int64_t input_channels = g_.InChannelsPerGroup();
    const int64_t band_floats = input_channels * band_rows_ * source_w_;
    const int64_t bytes = (band_floats + source_w_) * 4 + kPaddedCopySlackBytes;
    source_ = k_.Workspace(BandWorkspace(), bytes);
    b_.CreateMemSet(source_, b_.getInt8(0), k_.Int(bytes), llvm::MaybeAlign(4));
    llvm::Value* zero_row = k_.Address(source_, k_.Int(band_floats + s_.pad_left));
    k_.Loop(s_.batch, [&](llvm::Value* n) {
      k_.Loop(g_.groups, [&](llvm::Value* group) {
        ForEachBlockOfRows(k_.Int(0), s_.out_h, BandOutputRows(), [&](llvm::Value* band_oh0, int64_t band_rows) {
          band_first_row_ = band_oh0;
          llvm::Value* first_row = b_.CreateSub(b_.CreateMul(band_oh0, k_.Int(s_.stride_h)), k_.Int(s_.pad_top));
          k_.Loop(input_channels, [&](llvm::Value* ic) {
            llvm::Value* channel = b_.CreateAdd(b_.CreateMul(n, k_.Int(s_.channels)),
                                                b_.CreateAdd(b_.CreateMul(group, k_.Int(input_channels)), ic));
            llvm::Value* plane = k_.Address(k_.in[0], b_.CreateMul(channel, k_.Int(s_.in_h * s_.in_w)));
            llvm::Value* band_plane = k_.Address(source_, b_.CreateMul(ic, k_.Int(band_rows_ * source_w_)));
            k_.Loop(PaddedBandRows(s_, band_rows), [&](llvm::Value* j) {
              llvm::Value* row = b_.CreateAdd(first_row, j);
              llvm::Value* inside = b_.CreateAnd(b_.CreateICmpSGE(row, k_.Int(0)), b_.CreateICmpSLT(row, k_.Int(s_.in_h)));
              llvm::Value* clamped = k_.Max(k_.Min(row, k_.Int(s_.in_h - 1)), k_.Int(0));
              llvm::Value* from = b_.CreateSelect(inside, k_.Address(plane, b_.CreateMul(clamped, k_.Int(s_.in_w))), zero_row);
              llvm::Value* to = k_.Address(band_plane, b_.CreateAdd(b_.CreateMul(j, k_.Int(source_w_)), k_.Int(s_.pad_left)));
              b_.CreateMemCpy(to, llvm::MaybeAlign(4), from, llvm::MaybeAlign(4), k_.Int(s_.in_w * 4));
            });
          }, /*allow_unrolling=*/false);
          ForEachBlockOfRows(band_oh0, band_rows, tiles_.rows, [&](llvm::Value* oh0, int64_t rows) {
            ForEachChannelBlockOf(group, [&](llvm::Value* first_oc, int64_t size) {
              EmitRowTiles(n, group, first_oc, size, oh0, rows);
            });
          }, /*allow_unrolling=*/false);
        }, /*allow_unrolling=*/false);
      });
      ForEachChannelBlock([&](llvm::Value*, llvm::Value* first_oc, int64_t size) { EmitPlaneEpilogues(n, first_oc, size); });
      EmitImageEpilogue(n);
    });
  }

  // The tiles of `rows` output rows from oh0 for one block of output channels.
  void EmitRowTiles(llvm::Value* n, llvm::Value* group, llvm::Value* first_oc, int64_t size, llvm::Value* oh0,
                    int64_t rows) {
    if (clipped_) {
      EmitClippedRowTiles(n, group, first_oc, size, oh0, rows);
      return;
    }
    const int64_t wide = tiles_.vectors * tiles_.lanes;
    const int64_t wide_tiles = s_.out_w / wide;
    // The rest of the row is one more tile of whole vectors whose last vector has only
    // `tail` valid lanes (masked loads and stores), not a run of scalar tiles.
    const int64_t rest = s_.out_w - wide_tiles * wide;
    const int64_t rest_vectors = (rest + tiles_.lanes - 1) / tiles_.lanes;
    const int64_t tail = rest - (rest_vectors - 1) * tiles_.lanes;
    // Only the tile shapes this row width needs are emitted: each is a full loop nest.
    if (wide_tiles > 0) {
      k_.Loop(wide_tiles, [&](llvm::Value* t) {
        EmitTile(n, group, first_oc, size, oh0, rows, b_.CreateMul(t, k_.Int(wide)), tiles_.vectors, tiles_.lanes,
                 tiles_.lanes);
      });
    }
    if (rest > 0) {
      EmitTile(n, group, first_oc, size, oh0, rows, k_.Int(wide_tiles * wide), rest_vectors, tiles_.lanes, tail);
    }
  }

  // The clipped form's tiles of a row (conv_lowering.h's SplitClippedRow): the interior
  // ones in a loop; the edge tiles one by one at their columns, or (the plan's
  // row_end_masks_at_run_time) the full ones in one loop.
  void EmitClippedRowTiles(llvm::Value* n, llvm::Value* group, llvm::Value* first_oc, int64_t size, llvm::Value* oh0,
                           int64_t rows) {
    const ClippedRowTiles split = SplitClippedRow(s_, tiles_);
    const bool at_run_time = k_.plan.row_end_masks_at_run_time;
    const TileColumns edge = at_run_time ? TileColumns::kEdgeAtRunTime : TileColumns::kEdgeKnown;
    auto edge_tile = [&](int64_t t) {
      EmitTile(n, group, first_oc, size, oh0, rows, k_.Int(t * split.wide), tiles_.vectors, tiles_.lanes, tiles_.lanes,
               edge, t * split.wide);
    };
    const int64_t interior = split.interior_end - split.interior_begin;
    if (at_run_time && split.full_tiles > interior) {  // one loop over the full tiles at both ends
      k_.Loop(split.full_tiles - interior, [&](llvm::Value* i) {
        llvm::Value* t = b_.CreateAdd(i, b_.CreateSelect(b_.CreateICmpSGE(i, k_.Int(split.interior_begin)),
                                                         k_.Int(interior), k_.Int(0)));
        EmitTile(n, group, first_oc, size, oh0, rows, b_.CreateMul(t, k_.Int(split.wide)), tiles_.vectors,
                 tiles_.lanes, tiles_.lanes, edge);
      }, /*allow_unrolling=*/false);
    } else {
      for (int64_t t = 0; t < split.interior_begin; ++t) edge_tile(t);
    }
    if (interior > 0) {
      k_.Loop(k_.Int(split.interior_begin), k_.Int(split.interior_end), [&](llvm::Value* t) {
        EmitTile(n, group, first_oc, size, oh0, rows, b_.CreateMul(t, k_.Int(split.wide)), tiles_.vectors,
                 tiles_.lanes, tiles_.lanes, TileColumns::kInside);
      });
    }
    if (!at_run_time) {
      for (int64_t t = split.interior_end; t < split.full_tiles; ++t) edge_tile(t);
    }
    if (split.rest > 0) {
      const int64_t rest_vectors = (split.rest + tiles_.lanes - 1) / tiles_.lanes;
      const int64_t tail = split.rest - (rest_vectors - 1) * tiles_.lanes;
      const int64_t ow0 = split.full_tiles * split.wide;
      EmitTile(n, group, first_oc, size, oh0, rows, k_.Int(ow0), rest_vectors, tiles_.lanes, tail, edge, ow0);
    }
  }

  // The fused epilogue on each finished output plane, unless applied while storing (an
  // NHWC output's: EmitImageEpilogue).
  void EmitPlaneEpilogues(llvm::Value* n, llvm::Value* first_oc, int64_t size) {
    if (epilogue_.Empty() || IsVectorEpilogue(epilogue_) || output_) return;
    const int64_t area = s_.out_h * s_.out_w;
    for (int64_t j = 0; j < size; ++j) {
      llvm::Value* plane = b_.CreateMul(b_.CreateAdd(b_.CreateMul(n, k_.Int(g_.out_channels)),
                                                     b_.CreateAdd(first_oc, k_.Int(j))), k_.Int(area));
      EmitEpilogueLoop(k_, epilogue_, k_.Address(k_.out[0], plane),
                       epilogue_.residual ? k_.Address(k_.in[kConvResidualInput], plane) : nullptr, area);
    }
  }

  // An NHWC output's fused epilogue, unless applied while storing, on its whole image n
  // once every block is done (its planes interleave; an NHWC writer has no fused sum).
  void EmitImageEpilogue(llvm::Value* n) {
    if (!output_ || epilogue_.Empty() || IsVectorEpilogue(epilogue_)) return;
    const int64_t image_floats = g_.out_channels * s_.out_h * s_.out_w;
    EmitEpilogueLoop(k_, epilogue_, k_.Address(k_.out[0], b_.CreateMul(n, k_.Int(image_floats))), nullptr, image_floats);
  }

  void EmitBlock(llvm::Value* n, llvm::Value* group, llvm::Value* first_oc, int64_t size) {
    ForEachRowBlock([&](llvm::Value* oh0, int64_t rows) { EmitRowTiles(n, group, first_oc, size, oh0, rows); });
    EmitPlaneEpilogues(n, first_oc, size);
  }

  // Accumulates a [size output channels] x [rows output rows from oh0] x [vectors x
  // lanes pixels] tile in registers; the last vector of a row has `last_lanes` valid
  // lanes (masked when fewer than `lanes`). The clipped form says where the columns lie;
  // an edge tile loads only the lanes inside the input (none: no product), its first
  // column known (`known_ow0`, its taps unrolled) or not.
  void EmitTile(llvm::Value* n, llvm::Value* group, llvm::Value* first_oc, int64_t size, llvm::Value* oh0, int64_t rows,
                llvm::Value* ow0, int64_t vectors, int64_t lanes, int64_t last_lanes,
                TileColumns columns = TileColumns::kInside, int64_t known_ow0 = 0) {
    llvm::Type* type = lanes > 1 ? static_cast<llvm::Type*>(llvm::FixedVectorType::get(k_.F32(), lanes)) : k_.F32();
    const int64_t per_channel = rows * vectors;
    std::vector<llvm::Value*> accumulators(size * per_channel);
    for (int64_t j = 0; j < size; ++j) {
      llvm::Value* bias = g_.has_bias ? k_.Load(k_.in[2], b_.CreateAdd(first_oc, k_.Int(j))) : k_.Float(0.0f);
      llvm::Value* initial = lanes > 1 ? b_.CreateVectorSplat(lanes, bias) : bias;
      for (int64_t i = 0; i < per_channel; ++i) {
        accumulators[j * per_channel + i] = k_.EntryAlloca(type);
        b_.CreateStore(initial, accumulators[j * per_channel + i]);
      }
    }
    llvm::Value* weights = k_.Address(packed_, b_.CreateMul(first_oc, k_.Int(taps_)));
    const int64_t input_channels = g_.InChannelsPerGroup();
    // Unrolling all kernel rows pays for small tiles (depthwise); for large ones it only
    // costs compile time.
    const bool small_tile = s_.kernel_h * s_.kernel_w * size * per_channel <= 96;
    k_.Loop(input_channels, [&](llvm::Value* ic) {
      llvm::Value* channel = b_.CreateAdd(b_.CreateMul(n, k_.Int(s_.channels)),
                                          b_.CreateAdd(b_.CreateMul(group, k_.Int(input_channels)), ic));
      k_.Loop(s_.kernel_h, [&](llvm::Value* kh) {
        std::vector<llvm::Value*> row_starts(rows);
        for (int64_t r = 0; r < rows; ++r) {
          if (clipped_) {  // rows outside the input read the zero row
            llvm::Value* first = b_.CreateMul(b_.CreateAdd(oh0, k_.Int(r)), k_.Int(s_.stride_h));
            llvm::Value* row = b_.CreateSub(b_.CreateAdd(first, b_.CreateMul(kh, k_.Int(s_.dilation_h))),
                                            k_.Int(s_.pad_top));
            llvm::Value* inside = b_.CreateICmpULT(row, k_.Int(s_.in_h));
            llvm::Value* clamped = b_.CreateSelect(inside, row, k_.Int(0));
            llvm::Value* start =
                input_channels_last_
                    ? k_.Address(source_, b_.CreateAdd(b_.CreateMul(b_.CreateAdd(b_.CreateMul(n, k_.Int(s_.in_h)), clamped),
                                                                    k_.Int(s_.in_w * s_.channels)),
                                                       b_.CreateSub(channel, b_.CreateMul(n, k_.Int(s_.channels)))))
                    : k_.Address(source_, b_.CreateMul(b_.CreateAdd(b_.CreateMul(channel, k_.Int(s_.in_h)), clamped),
                                                       k_.Int(s_.in_w)));
            row_starts[r] = b_.CreateSelect(inside, start, zero_row_);
            continue;
          }
          if (band_rows_ > 0) {  // the band holds this group's rows from its first output row's first
            llvm::Value* band_row = b_.CreateAdd(b_.CreateSub(oh0, band_first_row_), k_.Int(r));
            llvm::Value* row = b_.CreateAdd(b_.CreateMul(band_row, k_.Int(s_.stride_h)),
                                            b_.CreateMul(kh, k_.Int(s_.dilation_h)));
            row_starts[r] =
                k_.Address(source_, b_.CreateMul(b_.CreateAdd(b_.CreateMul(ic, k_.Int(band_rows_)), row), k_.Int(source_w_)));
            continue;
          }
          llvm::Value* row = b_.CreateAdd(b_.CreateMul(b_.CreateAdd(oh0, k_.Int(r)), k_.Int(s_.stride_h)),
                                          b_.CreateMul(kh, k_.Int(s_.dilation_h)));
          row_starts[r] = k_.Address(source_, b_.CreateMul(b_.CreateAdd(b_.CreateMul(channel, k_.Int(source_h_)), row),
                                                           k_.Int(source_w_)));
        }
        auto column_taps = [&](llvm::Value* kw, std::optional<int64_t> edge_kw) {
          std::vector<llvm::Value*> pixels(per_channel);
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t u = 0; u < vectors; ++u) {
              const int64_t valid = u + 1 == vectors ? last_lanes : lanes;
              if (edge_kw) {
                pixels[r * vectors + u] =
                    LoadLanesInside(row_starts[r], known_ow0 + u * lanes, *edge_kw, valid, lanes, type);
                continue;
              }
              llvm::Value* column = b_.CreateAdd(b_.CreateMul(b_.CreateAdd(ow0, k_.Int(u * lanes)), k_.Int(s_.stride_w)),
                                                 b_.CreateMul(kw, k_.Int(s_.dilation_w)));
              if (clipped_) column = b_.CreateSub(column, k_.Int(s_.pad_left));
              if (columns == TileColumns::kEdgeAtRunTime) {
                pixels[r * vectors + u] = LoadLanesInsideAtRunTime(row_starts[r], column, valid, lanes, type);
                continue;
              }
              if (clipped_ && input_channels_last_) column = b_.CreateMul(column, k_.Int(s_.channels));
              pixels[r * vectors + u] = LoadPixels(k_.Address(row_starts[r], column), lanes, type, valid);
            }
          llvm::Value* tap = b_.CreateAdd(b_.CreateMul(b_.CreateAdd(b_.CreateMul(ic, k_.Int(s_.kernel_h)), kh),
                                                       k_.Int(s_.kernel_w)), kw);
          llvm::Value* tap_weights = k_.Address(weights, b_.CreateMul(tap, k_.Int(size)));
          for (int64_t j = 0; j < size; ++j) {
            llvm::Value* w = k_.Load(tap_weights, k_.Int(j));
            if (lanes > 1) w = b_.CreateVectorSplat(lanes, w);
            for (int64_t i = 0; i < per_channel; ++i) {
              if (pixels[i] == nullptr) continue;  // every lane outside the input
              llvm::Value* slot = accumulators[j * per_channel + i];
              llvm::Value* sum = b_.CreateIntrinsic(llvm::Intrinsic::fmuladd, {type},
                                                    {w, pixels[i], b_.CreateLoad(type, slot)});
              b_.CreateStore(sum, slot);
            }
          }
        };
        if (columns == TileColumns::kEdgeKnown) {
          for (int64_t kw = 0; kw < s_.kernel_w; ++kw) column_taps(k_.Int(kw), kw);
        } else {
          k_.Loop(s_.kernel_w, [&](llvm::Value* kw) { column_taps(kw, std::nullopt); });
        }
      }, /*allow_unrolling=*/small_tile);  // big tiles: a row's taps unrolled is enough
    }, /*allow_unrolling=*/false);         // the channels stay a loop: compile time, code size
    if (output_) {  // NHWC, scalar tiles: each sum to its pixel's channel
      MODELC_CHECK(lanes == 1 && !output_->HasBorder(), "the blocked kernel writes NHWC from scalar tiles only");
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t u = 0; u < vectors; ++u) {
          llvm::Value* pixel = b_.CreateAdd(b_.CreateMul(b_.CreateAdd(b_.CreateMul(n, k_.Int(s_.out_h)),
                                                                      b_.CreateAdd(oh0, k_.Int(r))), k_.Int(s_.out_w)),
                                            b_.CreateAdd(ow0, k_.Int(u)));
          llvm::Value* first = b_.CreateAdd(b_.CreateMul(pixel, k_.Int(g_.out_channels)), first_oc);
          for (int64_t j = 0; j < size; ++j) {
            llvm::Value* value = b_.CreateLoad(type, accumulators[j * per_channel + r * vectors + u]);
            EmitStoreWithEpilogue(k_, epilogue_, value, b_.CreateAdd(first, k_.Int(j)), 1, 1);
          }
        }
      return;
    }
    for (int64_t j = 0; j < size; ++j) {
      llvm::Value* plane = b_.CreateAdd(b_.CreateMul(n, k_.Int(g_.out_channels)), b_.CreateAdd(first_oc, k_.Int(j)));
      for (int64_t r = 0; r < rows; ++r) {
        llvm::Value* out_row_index =
            b_.CreateMul(b_.CreateAdd(b_.CreateMul(plane, k_.Int(s_.out_h)), b_.CreateAdd(oh0, k_.Int(r))), k_.Int(s_.out_w));
        for (int64_t u = 0; u < vectors; ++u) {
          llvm::Value* index = b_.CreateAdd(ow0, k_.Int(u * lanes));
          llvm::Value* value = b_.CreateLoad(type, accumulators[j * per_channel + r * vectors + u]);
          const bool masked = u + 1 == vectors && last_lanes < lanes;
          EmitStoreWithEpilogue(k_, epilogue_, value, b_.CreateAdd(out_row_index, index), masked ? last_lanes : lanes, lanes);
        }
      }
    }
  }

  // A pointwise convolution with a channels-last output (planning/layout.h) is, per
  // image, the matrix product [pixels, out channels] = input x W^T: a channels-last
  // input is that [pixels, in channels] matrix, a planar one its transpose.
  // Stored with a border, the output's rows are placed around it, and the border zeroed.
  void EmitPointwiseProduct() {
    const ChannelsLastStorage& output = *output_;
    const int64_t pixels = s_.out_h * s_.out_w;
    k_.Loop(s_.batch, [&](llvm::Value* n) {
      llvm::Value* input = k_.Address(k_.in[0], b_.CreateMul(n, k_.Int(pixels * s_.channels)));
      llvm::Value* image = k_.Address(k_.out[0], b_.CreateMul(n, k_.Int(output.ImageFloats())));
      EmitConstantWeightsProduct(k_, input, /*a_transposed=*/!input_channels_last_, image, output, g_.out_channels,
                                 s_.channels, g_.has_bias ? k_.in[2] : nullptr, epilogue_);
      if (output.HasBorder()) EmitZeroBorder(k_, image, output);
    }, /*allow_unrolling=*/false);
  }

  // Output channels [oc0, oc0 + channels) (a whole vector's, but for the last block) x
  // output pixels [q0, q0 + pixels) of the flattened plane (so narrow rows still give a
  // full tile of independent sums): one channel vector per pixel, accumulated over every
  // (input channel, kh, kw) tap with the pixel broadcast; then transposed in registers (a
  // butterfly of shuffles; missing pixels are zero vectors) into one vector of pixels per
  // channel, which are contiguous in the output plane (a masked store for a shorter
  // tile); a channels-last output stores each pixel's vector as it is (masked for a
  // shorter block). A channels-last input (or its padded copy, channels-last too) is
  // read at [pixel][input channel].
  void EmitChannelTile(llvm::Value* n, llvm::Value* oc0, int64_t channels, llvm::Value* q0, int64_t pixels,
                       llvm::Value* packed, llvm::Value* windows) {
    const int64_t lanes = tiles_.lanes;
    llvm::Type* type = llvm::FixedVectorType::get(k_.F32(), lanes);
    llvm::Value* bias = llvm::Constant::getNullValue(type);
    if (g_.has_bias) bias = k_.LoadLanes(type, k_.Address(k_.in[2], oc0), channels, lanes);
    std::vector<llvm::Value*> acc(pixels), starts(pixels);
    for (int64_t p = 0; p < pixels; ++p) {
      acc[p] = k_.EntryAlloca(type);
      b_.CreateStore(bias, acc[p]);
      starts[p] = b_.CreateLoad(k_.Index(), b_.CreateInBoundsGEP(k_.Index(), windows, b_.CreateAdd(q0, k_.Int(p))));
    }
    const int64_t oc_total = g_.out_channels;
    const bool small_tile = s_.kernel_h * s_.kernel_w * pixels <= 96;
    // Input pixel q of image n, channel ic: planar [n][ic][q] or channels-last [n][q][ic].
    const int64_t source_area = source_h_ * source_w_;
    llvm::Value* image = b_.CreateMul(n, k_.Int(s_.channels * source_area));
    k_.Loop(s_.channels, [&](llvm::Value* ic) {
      llvm::Value* plane = input_channels_last_ ? k_.Address(source_, b_.CreateAdd(image, ic))
                                                : k_.Address(source_, b_.CreateAdd(image, b_.CreateMul(ic, k_.Int(source_area))));
      const int64_t pixel_stride = input_channels_last_ ? s_.channels : 1;
      k_.Loop(s_.kernel_h, [&](llvm::Value* kh) {
        llvm::Value* row = k_.Address(plane, b_.CreateMul(b_.CreateMul(kh, k_.Int(s_.dilation_h)), k_.Int(source_w_ * pixel_stride)));
        k_.Loop(s_.kernel_w, [&](llvm::Value* kw) {
          llvm::Value* tap = b_.CreateAdd(b_.CreateMul(b_.CreateAdd(b_.CreateMul(ic, k_.Int(s_.kernel_h)), kh), k_.Int(s_.kernel_w)), kw);
          llvm::Value* weights =
              k_.LoadLanes(type, k_.Address(packed, b_.CreateAdd(b_.CreateMul(tap, k_.Int(oc_total)), oc0)), channels, lanes);
          llvm::Value* column = b_.CreateMul(kw, k_.Int(s_.dilation_w));
          for (int64_t p = 0; p < pixels; ++p) {
            llvm::Value* pixel = b_.CreateMul(b_.CreateAdd(starts[p], column), k_.Int(pixel_stride));
            llvm::Value* splat = b_.CreateVectorSplat(lanes, k_.Load(row, pixel));
            b_.CreateStore(b_.CreateIntrinsic(llvm::Intrinsic::fmuladd, {type}, {weights, splat, b_.CreateLoad(type, acc[p])}), acc[p]);
          }
        });
      }, /*allow_unrolling=*/small_tile);
    }, /*allow_unrolling=*/false);
    const int64_t area = s_.out_h * s_.out_w;
    if (output_) {
      llvm::Value* image = b_.CreateMul(n, k_.Int(output_->ImageFloats()));
      for (int64_t p = 0; p < pixels; ++p) {
        llvm::Value* pixel = EmitStoredPixel(k_, *output_, b_.CreateAdd(q0, k_.Int(p)));
        EmitStoreWithEpilogue(k_, epilogue_, b_.CreateLoad(type, acc[p]),
                              b_.CreateAdd(image, b_.CreateAdd(b_.CreateMul(pixel, k_.Int(oc_total)), oc0)), channels,
                              lanes);
      }
      return;
    }
    std::vector<llvm::Value*> rows(lanes, llvm::Constant::getNullValue(type));
    for (int64_t p = 0; p < pixels; ++p) rows[p] = b_.CreateLoad(type, acc[p]);
    rows = EmitTransposeSquare(b_, rows);
    for (int64_t l = 0; l < channels; ++l) {  // rows[l]: channel oc0 + l
      llvm::Value* at = b_.CreateAdd(b_.CreateMul(b_.CreateAdd(b_.CreateMul(n, k_.Int(oc_total)), b_.CreateAdd(oc0, k_.Int(l))),
                                                  k_.Int(area)), q0);
      EmitStoreWithEpilogue(k_, epilogue_, rows[l], at, pixels, lanes);
    }
  }

  void EmitChannelTiled() {
    const int64_t lanes = tiles_.lanes;
    // Weights as [tap][output channel]: a tap's channel vectors are adjacent.
    llvm::Value* packed = k_.PreparedConstant("channel_tiled_weights");
    // Where each output pixel's window starts in its (padded) source plane.
    std::vector<int64_t> window;
    for (int64_t q = 0; q < s_.out_h * s_.out_w; ++q) {
      window.push_back((q / s_.out_w) * s_.stride_h * source_w_ + (q % s_.out_w) * s_.stride_w);
    }
    llvm::Value* windows = k_.ConstantIndices(window, "channel_tiled_windows");
    source_ = EmitZeroPaddedCopy(k_, s_, input_channels_last_ ? PaddedCopy::kChannelsLast : PaddedCopy::kPlanar);
    const int64_t area = s_.out_h * s_.out_w;
    const int64_t full_tiles = area / lanes, rest_pixels = area % lanes;
    k_.Loop(s_.batch, [&](llvm::Value* n) {
      // Blocks of `lanes` output channels; the last may hold fewer (masked loads and stores).
      auto channel_block = [&](llvm::Value* oc0, int64_t channels) {
        k_.Loop(full_tiles, [&](llvm::Value* t) {
          EmitChannelTile(n, oc0, channels, b_.CreateMul(t, k_.Int(lanes)), lanes, packed, windows);
        });
        if (rest_pixels > 0) EmitChannelTile(n, oc0, channels, k_.Int(full_tiles * lanes), rest_pixels, packed, windows);
      };
      k_.Loop(g_.out_channels / lanes, [&](llvm::Value* block) { channel_block(b_.CreateMul(block, k_.Int(lanes)), lanes); });
      if (const int64_t rest_channels = g_.out_channels % lanes; rest_channels > 0) {
        channel_block(k_.Int(g_.out_channels - rest_channels), rest_channels);
      }
      const int64_t image_floats = output_ ? output_->ImageFloats() : g_.out_channels * area;
      llvm::Value* image = b_.CreateMul(n, k_.Int(image_floats));
      if (!epilogue_.Empty() && !IsVectorEpilogue(epilogue_)) {
        EmitEpilogueLoop(k_, epilogue_, k_.Address(k_.out[0], image),
                         epilogue_.residual ? k_.Address(k_.in[kConvResidualInput], image) : nullptr, image_floats);
      }
      if (output_ && output_->HasBorder()) EmitZeroBorder(k_, k_.Address(k_.out[0], image), *output_);
    });
  }

  // An edge tile's vector of `lanes` pixels from output column `ow`, tap column `kw`, of
  // the input row at `row_start` (or the zero row): only the lanes of the first `valid`
  // whose input columns are inside the row are read, the others are zero; nullptr when
  // none is.
  llvm::Value* LoadLanesInside(llvm::Value* row_start, int64_t ow, int64_t kw, int64_t valid, int64_t lanes,
                               llvm::Type* type) {
    std::vector<int64_t> inside;  // lanes whose column is inside the row
    const int64_t first_column = ow * s_.stride_w + kw * s_.dilation_w - s_.pad_left;
    for (int64_t l = 0; l < valid; ++l) {
      const int64_t column = first_column + l * s_.stride_w;
      if (column >= 0 && column < s_.in_w) inside.push_back(l);
    }
    if (inside.empty()) return nullptr;
    if (lanes == 1) return k_.Load(row_start, k_.Int(first_column * ClippedPixelStride()));
    const bool contiguous_prefix = first_column >= 0 && inside.size() == static_cast<size_t>(valid);
    if (contiguous_prefix) return LoadPixels(k_.Address(row_start, k_.Int(first_column)), lanes, type, valid);
    llvm::Value* zero = llvm::Constant::getNullValue(type);
    if (s_.stride_w == 1) {  // one masked load; the address of a masked-off lane may lie outside the row
      std::vector<llvm::Constant*> mask(lanes, b_.getInt1(false));
      for (int64_t l : inside) mask[l] = b_.getInt1(true);
      llvm::Value* at = b_.CreateGEP(k_.F32(), row_start, k_.Int(first_column));
      return b_.CreateMaskedLoad(type, at, llvm::Align(4), llvm::ConstantVector::get(mask), zero);
    }
    llvm::Value* vector = zero;
    for (int64_t l : inside) {
      llvm::Value* value = k_.Load(row_start, k_.Int(first_column + l * s_.stride_w));
      vector = b_.CreateInsertElement(vector, value, b_.getInt64(l));
    }
    return vector;
  }

  // The same with the first column known only at run time: each lane's column is
  // checked (one unsigned comparison), a masked load where the lanes are contiguous.
  llvm::Value* LoadLanesInsideAtRunTime(llvm::Value* row_start, llvm::Value* first_column, int64_t valid,
                                        int64_t lanes, llvm::Type* type) {
    if (lanes > 1 && s_.stride_w == 1) {
      std::vector<llvm::Constant*> offsets;
      for (int64_t l = 0; l < lanes; ++l) offsets.push_back(llvm::ConstantInt::get(k_.Index(), l));
      llvm::Value* columns =
          b_.CreateAdd(b_.CreateVectorSplat(lanes, first_column), llvm::ConstantVector::get(offsets));
      llvm::Value* inside = b_.CreateICmpULT(columns, llvm::ConstantVector::getSplat(
                                                          llvm::ElementCount::getFixed(lanes),
                                                          llvm::ConstantInt::get(k_.Index(), s_.in_w)));
      llvm::Value* mask = b_.CreateAnd(inside, k_.LaneMask(lanes, valid));
      llvm::Value* at = b_.CreateGEP(k_.F32(), row_start, first_column);
      return b_.CreateMaskedLoad(type, at, llvm::Align(4), mask, llvm::Constant::getNullValue(type));
    }
    llvm::Value* vector = lanes > 1 ? llvm::Constant::getNullValue(type) : nullptr;
    for (int64_t l = 0; l < valid; ++l) {
      llvm::Value* column = b_.CreateAdd(first_column, k_.Int(l * s_.stride_w));
      llvm::Value* inside = b_.CreateICmpULT(column, k_.Int(s_.in_w));
      llvm::Value* at = b_.CreateSelect(inside, column, k_.Int(0));
      if (input_channels_last_) at = b_.CreateMul(at, k_.Int(s_.channels));  // scalar tiles only
      llvm::Value* value = k_.Load(row_start, at);
      value = b_.CreateSelect(inside, value, k_.Float(0.0f));
      if (lanes == 1) return value;
      vector = b_.CreateInsertElement(vector, value, b_.getInt64(l));
    }
    return vector;
  }

  // `lanes` pixels from `start`, `stride_w` apart; only the first `valid` lanes are read.
  llvm::Value* LoadPixels(llvm::Value* start, int64_t lanes, llvm::Type* type, int64_t valid) {
    return k_.LoadStridedLanes(type, start, s_.stride_w, valid, lanes, CanOverreadOneFloat());
  }

  // A vector load may read one float past the last pixel a tap needs: true when that
  // float is inside the buffer (the padded workspace has slack after it; otherwise the
  // widest tile must stay clear of the row's end).
  bool CanOverreadOneFloat() const {
    if (clipped_) return false;  // the input where it lies: nothing after it is known to be ours
    if (s_.HasPadding()) return true;
    const int64_t last_column = (s_.out_w - 1) * s_.stride_w + (s_.kernel_w - 1) * s_.dilation_w;
    return last_column + 1 < source_w_;
  }

  KernelContext& k_;
  llvm::IRBuilder<>& b_;
  const ConvGeometry& g_;
  const bool clipped_;  // blocked-clipped: source_ is the input itself
  WindowGeometry window_;  // the geometry the kernel iterates (see the constructor)
  const WindowGeometry& s_;
  const Epilogue& epilogue_;
  const KernelTiles& tiles_;                         // the plan's tile sizes
  const bool input_channels_last_;                  // the plan's layouts
  const std::optional<ChannelsLastStorage> output_;  // how a channels-last output is stored
  const int64_t source_h_, source_w_;               // the (padded) input plane that taps read
  const int64_t taps_;                              // input channels per group x kernel height x width
  llvm::Value* packed_ = nullptr;
  llvm::Value* source_ = nullptr;
  llvm::Value* zero_row_ = nullptr;  // with clipped_: what rows outside the input read
  int64_t band_rows_ = 0;  // padded rows per channel in the row band; 0: a whole padded copy
  llvm::Value* band_first_row_ = nullptr;  // the first output row the current band serves
};

}  // namespace

void EmitBlockedConv(KernelContext& k, const ConvGeometry& g, const Epilogue& epilogue) {
  BlockedConv(k, g, epilogue).Emit();
}

}  // namespace modelc
