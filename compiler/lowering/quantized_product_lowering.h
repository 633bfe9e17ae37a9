// Kernel selection for the quantised products: convolutions (QLinearConv, ConvInteger)
// and matrix products (QLinearMatMul).
#ifndef MODELC_LOWERING_QUANTIZED_PRODUCT_LOWERING_H_
#define MODELC_LOWERING_QUANTIZED_PRODUCT_LOWERING_H_

#include <algorithm>
#include <cstdint>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/lowering_plan.h"

namespace modelc {

// On Arm's DSP extension a node whose weights are a constant int8 tensor with zero
// point 0 (symmetric, as quantisers write them) and whose window feeds two or more
// output channels runs as int16 pairs (QuantizedProductKernel::kDspPairs): each output
// pixel's window, x - x_zero_point, is widened once into the workspace buffer
// "window_pairs" (each 4 taps stored in the order 0, 2, 1, 3, the order in which
// SXTB16 unpacks 4 weight bytes), then every output channel of its group takes two
// products per SMLAD; two pixels' windows at a time (NodePlan::tiles.pixels), each 4
// weights unpacked once for both. With `narrow_workspace` (two int16 windows would lift
// the arena) two windows of the input's 8-bit codes in the bytes of one, where its zero
// point and bias are constants (NodePlan::int8_window_codes: each word of 4 codes
// unpacked by SXTB16 or UXTB16 as it is loaded, for each pair of output channels; the
// zero point's share off "bias_folded"; Cortex-M4, TFLite DS-CNN's pointwise layers in
// memory mode 2.24 -> 2.09 M instructions in all, 1.45 KB more code a layer); else one
// int16 window. A node quantising its float input as it reads it (kFusedQuantizeInput)
// copies its windows from a quantised band of the input's rows instead, each element
// quantised once, not once per window (NodePlan::quantized_band, "quantized_band" after
// the windows; the kWindowDot paragraph below), unless `narrow_workspace`; each output
// row's pixels then in tiles of their own. Elsewhere, for a
// depthwise node, or `workspace_free`, the direct kernel, NodePlan::tiles.channel_block
// output channels at a time.
absl::StatusOr<NodePlan> PlanQuantizedConv(const Graph& graph, const Node& node, const LoweringTarget& target,
                                           bool workspace_free, bool narrow_workspace);

// On x86 with VPDPBUSD (or AVX2, by its VPMADDWD form: LoweringTarget::byte_quads_by_pairs,
// the weights as "weight_pairs" in place of "weights_quads" and "weights_int8" here and
// below) a QLinearMatMul of one matrix A (8-bit, its scale and zero point
// constants) and a constant B given as [N, K] whose centred weights fit int8, N a whole
// number of vectors of 16 or 8, constant scales and bias, runs as kChannelLanes: each row
// of A's codes as uint8 into "window_codes", NodePlan::tiles.channel_block columns in the
// lanes of "weights_quads", "bias_folded". Elsewhere:
// the same for a QLinearMatMul whose B is a constant int8 [N, K] (a Gemm's transB, as the
// QDQ fusion keeps it) with zero point 0, one matrix, N >= 2: each row of A, a -
// a_zero_point, widened once into "window_pairs", then two columns at a time; or, with
// `workspace_free`, kDspPairsInRegisters: each 4 bytes of A unpacked into two int16
// pairs in registers (SXTB16 / UXTB16; SSUB16 of the zero point, or, where A's zero
// point is one constant and the bias a constant or none, NodePlan::zero_point_in_bias:
// the codes as they are, the zero point's share off "bias_folded"), shared by four
// columns; for an A it quantises as it reads it (kFusedQuantizeInput), each 16 taps
// quantised and packed into pairs once for up to kQuantizingPairsColumns columns, whose
// int32 sums wait on the stack (QuantizingPairsStackBytes).
// Before those, on Helium (LoweringTarget::int8_vector_dot) a QLinearMatMul of one int8
// matrix A [M, K], K >= 16, its zero point (if any) one constant, and a constant int8 B
// given as [N, K] with zero point 0 and a constant bias or none runs as kRowDot in every
// mode: A's codes read in place, 16 products a VMLADAVA.S8 into a scalar sum, four
// columns at a time (each 16 bytes of A loaded once for them), the last K % 16 one at a
// time; A's zero point's share comes off the prepared bias "bias_folded"; no workspace.
absl::StatusOr<NodePlan> PlanQuantizedMatMul(const Graph& graph, const Node& node, const LoweringTarget& target,
                                             bool workspace_free);
inline constexpr int64_t kQuantizingPairsColumns = 32;
// The columns of such a group for a product of `columns` columns, and their sums' bytes.
inline int64_t QuantizingPairsGroup(int64_t columns) { return std::min(columns, kQuantizingPairsColumns); }
inline int64_t QuantizingPairsStackBytes(int64_t columns) { return 4 * QuantizingPairsGroup(columns); }

// Elsewhere, on targets with vector units (x86-64, AArch64, RISC-V V, Cortex-M55's
// Helium, whose window-dot, plane rows and row lanes take the place of its DSP pairs; not under
// --optimize size, which plans scalar tiles) a convolution whose weights are a constant
// int8 or uint8 tensor with constant zero points runs as kWindowDot: each output pixel's
// window, x - x_zero_point, widened once into the workspace buffer "window_int16"
// (zero-padded to whole vectors of kWindowDotLanes), then each output channel of its
// group a vector dot product with its weights, w - w_zero_point, 32-bit sums. The
// weights are the prepared constant "weights_int8" ([M, padded taps]; with
// NodePlan::int8_window_codes or window_channel_runs each block of output channels'
// rows side by side by step, WindowDotWeightIndex, ChannelRunWeightIndex; widened as
// they are loaded) on bare-metal targets (LoweringTarget::flash_first) where every
// w - w_zero_point fits int8 (symmetric int8 weights), else "weights_int16". On Helium
// (LoweringTarget::int8_vector_dot) with int8 weights, an 8-bit input and constant zero
// point and bias, the window holds the input's int8 codes instead ("window_codes",
// NodePlan::int8_window_codes) and the zero point's share of each sum comes off the
// prepared bias "bias_folded".
// A window of at most kGatheredWindowTaps codes (padded) of a 2-D convolution (its
// input planar or channels-last) whose every tap lies at most 255 bytes past the
// window's corner (WindowTapOffset; small images: the first layers of DS-CNN, LeNet
// and the TFLite ResNet-8, channels-last) is gathered straight into vector registers
// instead (NodePlan::reads_input_in_place, no workspace): per 16 taps one VLDRB.U8
// gather of the codes at constant byte offsets, predicated on the taps inside the
// image (the lanes of the output row's and column's masks in the prepared constant
// "gather_masks"), the zero point's code selected where a tap is padding (a window
// wholly inside the image gathered on every lane, without masks or selects). Every mode
// takes it, memory mode too, where "window_codes" would lift the arena above the
// activation bound (the TFLite DS-CNN's 10x4 first layer ran on the direct kernel
// there: 231 K instructions). Where the farthest tap lies more than 255 bytes past the
// corner but at most 65,535 (MobileNet's first layer on its NHWC image, pointwise
// layers of up to 48 planar channels), each 16 taps are two VLDRB.U16 gathers of
// halfword offsets, the even taps' and the odd ones' (each lane predicated on its
// tap's mask bit, spread over the lane's two bits), joined by VSLI.16 #8 into the
// taps' order (NodePlan::window_gather_halfwords).
// A convolution quantising its float input as it reads it (kFusedQuantizeInput), whose
// window the same kernel would copy quantising each tap (once for each of the windows an
// input element falls in: 2.25 times at stride 2 under a 3x3 kernel), quantises a band
// of the input's rows instead, once per element (NodePlan::quantized_band, workspace
// "quantized_band", QuantizedBandBytes): per output row the rows its windows read, every
// input channel's, as codes, each row with the zero point's code on either side where
// the convolution pads (rows outside the image all of it); the rows the next output row
// reads again ((kernel_h - 1) * dilation_h + 1 - stride_h, where positive) move up, the others
// are quantised. Each window then lies inside the band (QuantizedBandWindow's geometry)
// and is gathered without masks or selects (windows of at most kGatheredWindowTaps
// codes), by halfword offsets where a tap lies more than 255 bytes past the corner. Not
// where the band would lift the arena (NodePlan::HasNarrowerWorkspace: the window copy
// then).
// A wider window of a planar input whose input channels a group come in runs of 16
// (kChannelRunLanes), none of them farther than 65,535 bytes from the first, is read in
// place too, by runs (NodePlan::window_channel_runs; ResNet-8's 3x3 layers, planar after
// the TFLite frontend too): per kernel position and run of 16 input channels two
// VLDRB.U16 gathers of 8 codes a plane apart, joined into one vector of 16 by VSLI
// (ChannelRunLaneChannel), predicated on the position's lying inside the image where
// the window does not (the zero point's code where it does not); "weights_int8" in the
// same order, each block of output channels' side by side (ChannelRunWeightIndex).
// Each block of output channels gathers the window again, where the copy serves them
// all: the runs are taken where the plan may give the layer no workspace (memory mode
// above the activation bound; the direct kernel before, 0.55 to 0.61 instructions per
// MAC against 0.28 to 0.36) and where they are faster than the copy (PlanQuantizedConv).
// Where such an input's window is copied instead ("window_codes"), each run at a kernel
// position is gathered the same way and stored by one VSTRB.8 scatter at its slots in
// the weights' order, where they lie within 255 bytes (NodePlan::window_copy_gathers;
// at most 17 kernel positions), not code by code.
// On x86 with VPDPBUSD or AVX2 (LoweringTarget::byte_quad_lanes) such a convolution with an
// 8-bit input, constant input zero point and bias, and centred weights that fit int8
// runs on the input's codes as uint8 (int8 ones plus 128, NodePlan::window_code_offset)
// instead, the zero point's share folded into "bias_folded": a 2-D QLinearConv of planar
// tensors and one group as kPixelLanes where its pixels fill at least 3/4 of the vectors
// (NodePlan::tiles.lanes pixels in the lanes: a pointwise one's through each image's
// plane, read in place, any other's along each output row from "padded_codes", a copy
// of the input's codes with the border, not where memory comes first; each 4 taps side
// by side in "pixel_quads", rows of "weights_int8", tiles.channel_block output channels
// at a time), else, where its groups' output channels fill whole vectors of 16 or 8, as
// kChannelLanes (each output pixel's window into "window_codes", the output channels in
// the lanes, "weights_quads" as VPDPBUSD reads them, tiles.channel_block the lanes).
// A 2-D depthwise convolution there (one input and one output channel per group) with
// the same stride (at most 4) on both axes, but for Helium's row lanes at stride 2, runs
// as kPlaneRows instead (where memory comes first only in place of Helium's row lanes at
// stride 1, wherever its workspace stays within the activation bound, writing over its
// input): its group's input channels, x - x_zero_point as int16 with their zero
// borders, into "padded_planes" (PaddedPlanesBytes), then per output channel
// kWindowDotLanes output positions at a time, counted through the rows at the padded
// width (narrow rows fill the vectors too): per input channel and tap one vector load
// (every stride-th element) times the weight, the lanes requantised together and stored
// whole into "plane_outputs", whose real positions are then copied out row by row (a
// fused sum's lanes are finished and stored one by one instead).
inline constexpr int64_t kWindowDotLanes = 16;
inline constexpr int64_t kGatheredWindowTaps = 48;  // three vector registers of codes
inline constexpr int64_t kChannelRunLanes = 16;     // a run's input channels: one vector of codes
// Helium's window-dot on int8 codes: output channels summed at a time (a group's last
// per_group % kWindowDotChannels one at a time, WindowDotBlock), each block's rows of
// "weights_int8" side by side (WindowDotWeightIndex).
inline constexpr int64_t kWindowDotChannels = 4;
// By channel runs 8 at a time (their sums stay in the Cortex-M55's registers beside the
// pointers: each run gathered half as often), then 4, then one (ChannelRunBlock).
inline constexpr int64_t kChannelRunBlock = 8;
// The direct kernel's windows of at most this many taps a plane (3x3) may run their
// interior pixels unrolled (NodePlan::unrolled_interior); larger ones stay loops
// (ds_cnn_kws_int8's 10x4 first layer, unrolled, spilled registers and ran slower).
inline constexpr int64_t kDirectUnrolledTaps = 9;
// Whether the direct kernel, on Arm's DSP extension without vector lanes, takes two
// output pixels side by side at a time where both windows lie inside the image (to the
// borders too where DirectKernelPairsAtBorders holds)
// (NodePlan::tiles.pixels 2, "pixels 2" in --dump-plan; no workspace): a 2-D window 3
// wide and at least 2 high, stride 1 or 2 across, no dilation across, rows of at least
// 2 pixels, an int8 or uint8 input stored planar, constant int8 weights with zero point
// 0. Each kernel row of an input channel is then a 32-bit load of the codes unpacked
// into halfword pairs, taps 0 and 2 one SMLAD with the row's weights 0 and 2 (unpacked
// once for both pixels), tap 1 one SMLABB or SMLATB; not under --optimize size. In a
// depthwise layer (one input channel a group) the sums start at the bias, and in an
// output row inside the image the kernel rows are unpacked once for all its pairs, those
// whose windows lie inside across running without the border's tests.
bool DirectKernelPairsPixels(const Graph& graph, const Node& node, const ConvGeometry& g,
                             const LoweringTarget& target);
// Whether the direct kernel's pixel pairs (DirectKernelPairsPixels) also take the pairs
// whose windows reach over the image's border (NodePlan::pairs_at_borders): at stride 1
// across, rows of at least 4 input columns, each pair's 4 columns at most 3 outside the
// row. Each kernel row's word is then read from the pair's first column clamped into the
// row (at most in_w - 4) and shifted so that byte j holds the pair's column j, the zero
// point's code filling the columns outside the row; a kernel row outside the image is
// the zero point's code throughout (row 0 read, then replaced; the sums' start counts
// every tap). An odd row's last pixel is the first of a pair whose second is not stored.
// With more than one input channel a group the pairs of rows inside the image skip the
// row tests (a copy of the pair's code: Cortex-M4, TFLite ResNet-8 24.01 -> 23.44 M
// instructions for 3.4 KB of code; DS-CNN's depthwise layers ran 2.9% slower so). No
// pixel runs alone then (NodePlan::unrolled_interior is not set).
bool DirectKernelPairsAtBorders(const WindowGeometry& w);
// Whether the direct kernel, on Arm's DSP extension without vector lanes, reads each
// kernel row of an input channel as words (NodePlan::word_rows, "word rows" in
// --dump-plan; no workspace): kernels 4 wide, no dilation across, rows of at least 4,
// an int8 or uint8 input stored planar (or channels-last with one channel), constant
// int8 weights with zero point 0; not under --optimize size. Each kernel row is then
// one 32-bit load of 4 codes (from the row's first column inside the image, clamped so
// that the word lies in the row, then shifted so that byte t holds tap t, the zero
// point's code filling the taps in the border), unpacked into halfword pairs by SXTB16
// (UXTB16) and centred by SSUB16, and per output channel one load of the row's 4
// weights, unpacked by SXTB16: two SMLADs for 4 products. Kernel rows in the border
// are skipped. DS-CNN's 10x4 first layer, which memory mode keeps off the DSP pairs
// (their window would lift the arena above the activation bound).
bool DirectKernelWordRows(const Graph& graph, const Node& node, const ConvGeometry& g, const LoweringTarget& target);
// The output pixels of a row the direct kernel takes at a time in a vector's int32 lanes
// on Helium (NodePlan::tiles.lanes, "lanes 4" in --dump-plan; no workspace), or 0: a
// QLinearConv of planar 8-bit tensors, 2-D, stride 1 or 2 and no dilation across,
// kernels of at most kDirectLanesTaps taps a plane, constant int8 weights with zero
// point 0, one image, not under --optimize size. That is the depthwise layers of 3x3
// kernels or smaller at stride 2 in every mode, and at stride 1 where memory comes
// first and plane rows' padded plane would lift the arena above the activation bound,
// or in every mode where the lanes run across rows (DirectKernelLanesAcrossRows); where
// window dots apply (DirectKernelWindowDots) they take the depthwise layers instead;
// grouped convolutions the DSP pairs would take; and any such convolution whose
// window-dot window buffer would lift the arena where it reads neither by channel runs
// nor by gathers. Each tap is then one load
// of the row's codes into the lanes (masked where a lane's tap is padding or past the
// row, the zero point's code in its place; at stride 2 VLDRB.S16 and VMOVLB.S16) times
// each of the block's output channels' weight, one VMLA a tap and channel for four
// pixels; with more than one input channel a group, three vectors of pixels for two
// output channels (NodePlan::tiles.vectors, set by PlanQuantizedConv).
int64_t DirectKernelRowLanes(const Graph& graph, const Node& node, const ConvGeometry& g,
                             const LoweringTarget& target);
inline constexpr int64_t kDirectLanesTaps = 9;  // 3x3: a depthwise layer's weights stay in registers
// Whether the row lanes (`lanes` of them) run through the plane across rows instead
// (NodePlan::lanes_across_rows), in every mode, in place of plane rows too, where window
// dots do not take the layer (DirectKernelWindowDots): a depthwise
// layer (one input and one output channel a group) at stride 1 without dilation whose
// output plane is its input's size, with rows narrower than two vectors that leave
// lanes of their last vector idle (DS-CNN's 5 columns: 2 vectors a row for 5 pixels;
// measured there only), at least 3/4 of the plane's vectors looped and at most
// kLanesAcrossRowsWrittenOut written out (LanesAcrossRowsLooped: MobileNet's 6x6 and 3x3
// planes, 5 of 9 and none of 3 looped, ran slower so than by plane rows, with a lead
// over the consumed input that lifted the arena). Consecutive pixels of the plane then
// share a vector whatever their row: each tap is one load at a constant offset from the
// vector's first pixel, a lane whose tap lies outside its row or the image taking the
// zero point's code.
bool DirectKernelLanesAcrossRows(const ConvGeometry& g, int64_t lanes);
// Vectors written out (about 90 bytes of code each), at most: DS-CNN's planes write 5.
// The looped ones are emitted as one round of W / gcd(lanes, W) vectors and those past
// the last round (about 65 bytes each on Helium): with 4 lanes at most 7 + 6 (W = 7),
// DS-CNN's 5 + 2.
inline constexpr int64_t kLanesAcrossRowsWrittenOut = 8;
// The vectors of `lanes` pixels of the plane that lanes across rows loop over, [first,
// end): those whose every load (each lane's every tap, inside its row or not) lies in
// the plane. A tap inside its row and inside the plane lies in the image. The others
// are written out.
struct VectorRange {
  int64_t first = 0, end = 0;
};
VectorRange LanesAcrossRowsLooped(const WindowGeometry& w, int64_t lanes);
// Whether the row lanes (`lanes` of them) take each output pixel's window as one vector
// instead (NodePlan::window_dots), in every mode they run in where the plan allows a
// workspace: a depthwise layer (one input and one output channel a group), kernels of at
// least kWindowDotsTaps taps whose rows reach no farther than the input's (so that no two
// taps share a lane, WindowDotsLane) and whose every window lies within kWindowDotsSpan
// consecutive codes of its plane, (kernel_h - 1) * dilation_h * in_w + (kernel_w - 1) *
// dilation_w + 1 of them (3x3 kernels on planes at most 6 wide: DS-CNN's 25x5,
// MobileNet's 6x6 and 3x3; kernels of one row on rows of any width), rounds of at most
// kWindowDotsRound vectors. Where memory comes first and the copy lifts the arena above
// the activation bound, the plan's refinement takes the row lanes instead
// (NodePlan::WorkspaceFreeFormWritesOver). Each channel's plane is copied into
// "plane_codes" as int8 codes (uint8 ones less 128) between margins of the zero point's
// code (WindowDotsMargins), then each pixel's sum is one load of the 16 codes from its
// window's corner (WindowDotsCorner) and one VMLADAVA.S8 against the channel's weights at
// their lanes (WindowDotsLane), zeros elsewhere: 9 products an instruction for a 3x3
// kernel, where the row lanes' VMLA takes 4. A tap above or below the image reads
// the margins' zero point, which adds nothing once the sums start at -x_zero_point times
// the weights; one left or right of its row (a neighbouring row's code) is dropped, its
// weight zeroed for the pixels of that output column. So the lanes' taps depend on their
// columns alone, and the vectors of consecutive pixels loop through the plane by rounds
// of out_w / gcd(lanes, out_w) vectors, after which the columns repeat.
bool DirectKernelWindowDots(const ConvGeometry& g, int64_t lanes);
// The lane of tap (kh, kw) in a window's 16 codes: kh * dilation_h * in_w + kw * dilation_w.
int64_t WindowDotsLane(const WindowGeometry& w, int64_t kh, int64_t kw);
inline constexpr int64_t kWindowDotsSpan = 16;  // Helium's int8 lanes
// Kernels of fewer taps keep the row lanes: a pixel's load, VMLADAVA and share of the
// VMOVs that gather four sums into a vector cost what 5 taps' VMLAs and loads do for
// four pixels at once.
inline constexpr int64_t kWindowDotsTaps = 5;
inline constexpr int64_t kWindowDotsRound = 8;
// Where output pixel `pixel` (oh * out_w + ow) of a plane has its window's corner, tap
// (0, 0): (oh * stride_h - pad_top) * in_w + ow * stride_w - pad_left from the input
// plane's first code (before it, or in a row's border, where the window is padded).
int64_t WindowDotsCorner(const WindowGeometry& w, int64_t pixel);
// The lanes (a bit each) of that pixel's taps whose columns lie inside the image.
uint32_t WindowDotsColumnLanes(const WindowGeometry& w, int64_t pixel);
// The codes of the zero point before and after the plane in "plane_codes": as far as
// any pixel's 16 codes reach before its first and past its last code.
struct PlaneMargins {
  int64_t before = 0, after = 0;
};
PlaneMargins WindowDotsMargins(const WindowGeometry& w);
int64_t WindowDotTaps(int64_t taps);  // taps rounded up to whole vectors
// The byte offset of tap `tap` of a window of 8-bit codes (the weights' order: (c *
// kernel_h + kh) * kernel_w + kw) from its corner: c * in_h * in_w + kh * dilation_h *
// in_w + kw * dilation_w where the input is planar, (kh * dilation_h * in_w + kw *
// dilation_w) * channels + c where it is channels-last (a gathered window's offsets).
int64_t WindowTapOffset(const WindowGeometry& window, bool channels_last_input, int64_t tap);
// The quantised band's geometry (NodePlan::quantized_band): one image, one output row,
// its windows' rows (kernel_h rows apart by dilation_h) as in_h, each row padded on both
// sides (pad_left + in_w + pad_right) as in_w, no padding; and its bytes (every input
// channel's rows).
WindowGeometry QuantizedBandWindow(const WindowGeometry& window);
int64_t QuantizedBandBytes(const WindowGeometry& window);
// Window-dot's channel runs (NodePlan::window_channel_runs): the input channel, within
// its run, of a vector's lane: lanes 0, 2, .., 14 channels 0 to 7 (the first gather's,
// VLDRB.U16 leaves each code in a lane's low byte), lanes 1, 3, .., 15 channels 8 to 15
// (the second's, VSLI puts them in the high bytes).
int64_t ChannelRunLaneChannel(int64_t lane);
// The block of output channels that the channel runs sum channel `in_group` of a group
// of `per_group` with: {its first channel in the group, its channels}.
struct ChannelBlock {
  int64_t first;
  int64_t count;
};
ChannelBlock ChannelRunBlock(int64_t per_group, int64_t in_group);
// And where output channel m's weight for tap t = (c * kernel_h + kh) * kernel_w + kw
// lies in "weights_int8": its block of output channels (ChannelRunBlock) keeps its
// rows' 16 weights of each step side by side, one step after the other; step
// (kh * runs + c / kChannelRunLanes) * kernel_w + kw (runs = input channels a group /
// kChannelRunLanes), in the lane holding c's channel. So one pointer walks a block's
// weights.
int64_t ChannelRunWeightIndex(const ConvGeometry& conv, int64_t m, int64_t tap);
// The same for window-dot's blocks on int8 codes otherwise (kWindowDotChannels, then one).
ChannelBlock WindowDotBlock(int64_t per_group, int64_t in_group);
// Where output channel m's weight for tap t lies in "weights_int8" of window-dot on int8
// codes (NodePlan::int8_window_codes) otherwise: its block (WindowDotBlock) keeps its
// rows' weights of each step of kWindowDotLanes taps side by side, one step after the
// other. So one pointer walks a block's weights, and on into the next block's (with four
// pointers a block LLVM moved, stepped and spilled them around each block's loop:
// Cortex-M55, TFLite MobileNet's 128-channel pointwise layers 150,942 -> 136,910
// instructions each).
int64_t WindowDotWeightIndex(const ConvGeometry& conv, int64_t m, int64_t tap);
// Helium's window-dot copying the windows of a unit pointwise layer by channel runs
// (NodePlan::window_copy_gathers, IsUnitPointwise) may take kWindowDotTilePixels
// consecutive pixels of the plane a tile (WindowDotTilesPixels; the plan takes it,
// NodePlan::tiles.pixels, but under --optimize size and where it narrows the workspace,
// that is where the second window would lift the arena above the activation bound):
// their windows copied side by side into "window_codes", each block's weights then
// loaded once for the tile's pixels (2 pixels x 4 channels: 8 sums, 6 loads a step of
// 16 codes, where one pixel took 5 loads for 4 sums).
inline constexpr int64_t kWindowDotTilePixels = 2;
bool WindowDotTilesPixels(const ConvGeometry& g, const NodePlan& plan);
// One padded plane's elements (with the rows a last vector reads past), and the bytes of
// `planes` of them with a vector's overrun.
int64_t PaddedPlaneElements(const WindowGeometry& window);
int64_t PaddedPlanesBytes(const WindowGeometry& window, int64_t planes);
// The bytes of pixel-lanes' "padded_codes": an image's input codes inside its border,
// and the last chunk's overrun.
int64_t PaddedCodesBytes(const WindowGeometry& window, int64_t lanes);
// The bytes of plane rows' "plane_outputs": one output channel's positions counted
// through the rows at the padded width, in whole vectors (int8/uint8 outputs).
int64_t PlaneOutputsBytes(const WindowGeometry& window);

// The constants a quantised product's kernel reads: "weights_int8" or "weights_int16" for kWindowDot (and
// "bias_folded" with int8 window codes, as for kDspPairs with them; "weights_quads" or "weights_int8" (with
// NodePlan::byte_quad_weight_pairs "weight_pairs") with "bias_folded" for kChannelLanes and kPixelLanes;
// "bias_folded" for kRowDot and, with
// NodePlan::zero_point_in_bias, kDspPairsInRegisters); for every kernel
// "multipliers", the float form's, where its scales are constants; for a
// QLinearConv or QLinearMatMul that requantises in fixed point
// (kFixedPointRequantization) its multipliers, "requantization", int32 [2 x count]
// (mantissa and shift per weight scale, RequantizationTableIndex: pairs, or
// NodePlan::requantization_planes' two planes), computed once here from its constant
// scales.
absl::Status PrepareQuantizedProductConstants(Graph& graph, const Node& node, NodePlan& plan);

// The bytes of one window of `taps` in "window_pairs" (padded to whole groups of 4); a
// convolution's buffer holds NodePlan::tiles.pixels of them.
int64_t WindowPairsBytes(int64_t taps);

}  // namespace modelc

#endif  // MODELC_LOWERING_QUANTIZED_PRODUCT_LOWERING_H_
