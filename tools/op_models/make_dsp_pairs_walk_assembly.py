#!/usr/bin/env python3
"""Writes tests/models/dsp_pairs_walk_assembly.onnxtxt: convolutions whose dot products the
DSP pairs walk in inline assembly (dsp_pairs.cc, EmitDspPairsWalk). Seeded, so the same file
each run; no package needed.

  python3 tools/op_models/make_dsp_pairs_walk_assembly.py > tests/models/dsp_pairs_walk_assembly.onnxtxt
"""
import random

rng = random.Random(20261208)


def ints(count, low, high):
    return ", ".join(str(rng.randint(low, high)) for _ in range(count))


def floats(values):
    return ", ".join(f"{v:.6g}" for v in values)


def conv(name, inp, in_type, in_scale, in_zero, shape, channels, kernel, pads, out_type, out_scale, out_zero,
         per_channel, stride=1):
    """QDQ lines of one convolution of `inp` (float [1, C, H, W]): its input quantised and made
    by an 8-bit MaxPool (so that it is no model input), int8 weights (per channel or per
    tensor), an int32 bias, the output quantised and dequantised into `name`."""
    c = shape[1]
    lines = [
        f"  {name}s = Constant<value = float {{{in_scale}}}>()",
        f"  {name}z = Constant<value = {in_type} {{{in_zero}}}>()",
        f"  {name}q = QuantizeLinear({inp}, {name}s, {name}z)",
        f"  {name}d = DequantizeLinear({name}q, {name}s, {name}z)",
        f"  {name}m = MaxPool<kernel_shape = [1, 1]>({name}d)",
        f"  {name}mq = QuantizeLinear({name}m, {name}s, {name}z)",
        f"  {name}md = DequantizeLinear({name}mq, {name}s, {name}z)",
    ]
    taps = c * kernel * kernel
    w_scales = [0.002 + 0.0005 * rng.randint(0, 6) for _ in range(channels)] if per_channel else [0.003]
    weights = ints(channels * taps, -120, 120)
    lines.append(f"  {name}w = Constant<value = int8[{channels},{c},{kernel},{kernel}] {{{weights}}}>()")
    if per_channel:
        lines += [f"  {name}ws = Constant<value = float[{channels}] {{{floats(w_scales)}}}>()",
                  f"  {name}wz = Constant<value = int8[{channels}] {{{', '.join(['0'] * channels)}}}>()",
                  f"  {name}wd = DequantizeLinear<axis = 0>({name}w, {name}ws, {name}wz)"]
        b_scales = [in_scale * s for s in w_scales]
        lines += [f"  {name}b = Constant<value = int32[{channels}] {{{ints(channels, -900, 900)}}}>()",
                  f"  {name}bs = Constant<value = float[{channels}] {{{floats(b_scales)}}}>()",
                  f"  {name}bz = Constant<value = int32[{channels}] {{{', '.join(['0'] * channels)}}}>()",
                  f"  {name}bd = DequantizeLinear<axis = 0>({name}b, {name}bs, {name}bz)"]
    else:
        lines += [f"  {name}ws = Constant<value = float {{{w_scales[0]}}}>()",
                  f"  {name}wz = Constant<value = int8 {{0}}>()",
                  f"  {name}wd = DequantizeLinear({name}w, {name}ws, {name}wz)",
                  f"  {name}b = Constant<value = int32[{channels}] {{{ints(channels, -900, 900)}}}>()",
                  f"  {name}bs = Constant<value = float {{{in_scale * w_scales[0]:.6g}}}>()",
                  f"  {name}bz = Constant<value = int32 {{0}}>()",
                  f"  {name}bd = DequantizeLinear({name}b, {name}bs, {name}bz)"]
    attributes = ([f"pads = [{pads}, {pads}, {pads}, {pads}]"] if pads else []) + (
        [f"strides = [{stride}, {stride}]"] if stride > 1 else [])
    pad_attr = f"<{', '.join(attributes)}>" if attributes else ""
    lines += [f"  {name}c = Conv{pad_attr}({name}md, {name}wd, {name}bd)",
              f"  {name}os = Constant<value = float {{{out_scale}}}>()",
              f"  {name}oz = Constant<value = {out_type} {{{out_zero}}}>()",
              f"  {name}oq = QuantizeLinear({name}c, {name}os, {name}oz)",
              f"  {name} = DequantizeLinear({name}oq, {name}os, {name}oz)"]
    return lines


body = []
body += conv("y", "a", "uint8", 0.013, 121, (1, 8, 5, 5), 5, 3, 1, "uint8", 0.05, 118, per_channel=True)
body += conv("u", "v", "int8", 0.011, -6, (1, 68, 3, 3), 3, 1, 0, "int8", 0.06, 3, per_channel=False)
body += conv("h", "g", "int8", 0.012, 5, (1, 58, 5, 5), 9, 3, 1, "int8", 0.12, -4, per_channel=True, stride=2)
print('<ir_version: 8, opset_import: ["" : 13]>')
print("dsp_pairs_walk_assembly (float[1,8,5,5] a, float[1,68,3,3] v, float[1,58,5,5] g) => "
      "(float[1,5,5,5] y, float[1,3,3,3] u, float[1,9,3,3] h) {")
print("""  # Convolutions whose windows of int16 pairs Arm's DSP cores take as dsp-pairs (speed mode;
  # memory mode where the window fits under the activation bound), their dot products'
  # walk one inline-assembly statement (EmitDspPairsWalk, dsp_pairs.cc): from 16 quads (4
  # taps each) on, a loop of 4 quads a step (1 under --optimize size), the pointers stepped
  # by post-indexed loads, then the quads after the last whole step. y: 3x3 of 8 into 5
  # channels padded by 1 on 5x5, uint8 codes, per-channel weights: 72 taps, 18 quads (4
  # steps and 2 after); 25 pixels (the last alone) and 5 channels (the last alone: one
  # window or one row). u: 1x1 of 68 into 3 channels on 3x3, int8 codes, per-tensor
  # weights: 17 quads (4 steps and 1 after). h: 3x3 of 58 into 9 channels at stride 2
  # padded by 1 on 5x5 (at stride 1 the direct kernel's pixel pairs take it): 522 taps,
  # 130 quads (32 steps and 2 after) and 2 taps one at a time; the second window 1,048
  # bytes on, past LDRD's reach from the second quad of a step on (two LDRs). Written by
  # tools/op_models/make_dsp_pairs_walk_assembly.py.""")
print("\n".join(body))
print("}")
