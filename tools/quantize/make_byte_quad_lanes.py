"""Writes the op model tests/models/byte_quad_lanes.onnxtxt (int8 convolutions in the
forms x86's VPDPBUSD kernels take: channel-lanes and pixel-lanes, int8 and uint8 inputs,
per-tensor and per-channel weights, a bias or none, groups, dilation, a fused QDQ sum,
masked last vectors, strides, two images; a QDQ Gemm) and ONNX Runtime's outputs for it on four inputs,
tests/data/int8_ops/byte_quad_lanes.{inputs,ort_outputs}.bin (float32: each sample's
inputs, then its outputs, in graph order). Weights from numpy's default_rng(14), inputs
uniform in [-1.5, 2.5) from default_rng(1). Deterministic: running it again gives the
same bytes.

    python3 -m venv .venv && .venv/bin/pip install -r tools/quantize/requirements.txt
    .venv/bin/python tools/quantize/make_byte_quad_lanes.py
"""
import numpy as np

from ort_op_model import flit, lit, write_op_model


def model_text():
    r = np.random.default_rng(14)

    w1 = r.integers(-127, 128, (16, 8, 3, 3))
    s1 = np.round(r.uniform(0.002, 0.01, 16), 5)
    b1 = r.integers(-3000, 3000, 16)
    w2 = r.integers(-127, 128, (16, 4, 3, 3))
    w3 = r.integers(0, 256, (8, 8, 2, 2))
    w4 = r.integers(0, 256, (16, 8, 3, 3))
    b4 = r.integers(-3000, 3000, 16)
    w5 = r.integers(-127, 128, (24, 8, 1, 1))
    b5 = r.integers(-3000, 3000, 24)
    w6 = r.integers(-127, 128, (4, 6, 1, 1))
    s6 = np.round(r.uniform(0.002, 0.01, 4), 5)
    w7 = r.integers(-127, 128, (8, 8, 3, 3))
    s7 = np.round(r.uniform(0.002, 0.01, 8), 5)
    b7 = r.integers(-3000, 3000, 8)
    w8 = r.integers(0, 256, (8, 8, 3, 3))
    w9 = r.integers(-127, 128, (16, 392))
    s9 = np.round(r.uniform(0.0005, 0.002, 16), 6)
    b9 = r.integers(-3000, 3000, 16)
    w10 = r.integers(-127, 128, (16, 4, 3, 3))
    s10 = np.round(r.uniform(0.002, 0.01, 16), 5)
    b10 = r.integers(-3000, 3000, 16)
    w11 = r.integers(-127, 128, (8, 4, 1, 1))
    w12 = r.integers(-127, 128, (16, 4, 3, 3))
    return f'''<ir_version: 8, opset_import: ["" : 13]>
byte_quad_lanes (float[1,8,7,7] x, float[1,6,5,5] x2, float[2,4,24,24] x3) => (float[1,16,4,4] conv_a, float[1,16,7,7] conv_b, float[1,8,6,6] conv_c, float[1,16,4,4] conv_d, float[1,24,7,7] conv_e, float[1,4,5,5] conv_f, float[1,8,7,7] conv_g, float[1,8,7,7] conv_i, float[1,16] gemm_j, float[2,16,12,12] conv_k, float[2,8,24,24] conv_l, float[2,16,3,3] conv_m) {{
  # int8 convolutions as x86 with VPDPBUSD runs them (AVX512-VNNI: 16 lanes, AVX-VNNI:
  # 8), on the input's codes as uint8 (int8 ones plus 128). Output channels in the lanes
  # (channel-lanes) where rows are short: a: int8 input, per-channel weights and a bias,
  # stride 2; b: two groups of 8 output channels, per-tensor weights, no bias; c:
  # ConvInteger of a uint8 input (int32 sums out); d: a uint8 input and uint8 weights
  # (zero point 128), per-tensor, with a bias. Pixels in the lanes (pixel-lanes): the
  # pointwise e (49 pixels read in place, the last vector's one pixel masked), 24 output
  # channels, per-tensor weights and a bias, and f, a uint8 input of 6 channels (one
  # quad and a half), per-channel weights, no bias; and rows of 7 pixels (a vector of 8,
  # the last lane masked) from a padded copy of the input: g, dilated, its sum with x (a
  # QDQ Add, fused into the convolution) read as vectors; i, uint8 input and weights.
  # And a matrix product with its columns in the lanes: j, a QDQ Gemm (per-channel
  # weights, a bias) of x's 392 codes. Two images (x3): k, stride 2, rows of 12 pixels
  # in a vector of 16 (every other input column); l, pointwise through each image's
  # plane; m, stride 8, its output channels in the lanes.
  xs = Constant<value = float {{0.02}}>()
  xz = Constant<value = int8 {{-5}}>()
  xq = QuantizeLinear(x, xs, xz)
  w1 = Constant<value = int8[16,8,3,3] {{{lit(w1)}}}>()
  w1s = Constant<value = float[16] {{{flit(s1)}}}>()
  w1z = Constant<value = int8[16] {{{lit(np.zeros(16,int))}}}>()
  b1 = Constant<value = int32[16] {{{lit(b1)}}}>()
  y1s = Constant<value = float {{0.08}}>()
  y1z = Constant<value = int8 {{3}}>()
  y1 = QLinearConv<pads = [1, 1, 1, 1], strides = [2, 2]>(xq, xs, xz, w1, w1s, w1z, y1s, y1z, b1)
  conv_a = DequantizeLinear(y1, y1s, y1z)
  w2 = Constant<value = int8[16,4,3,3] {{{lit(w2)}}}>()
  w2s = Constant<value = float {{0.006}}>()
  w2z = Constant<value = int8 {{0}}>()
  y2s = Constant<value = float {{0.05}}>()
  y2z = Constant<value = int8 {{-7}}>()
  y2 = QLinearConv<pads = [1, 1, 1, 1], group = 2>(xq, xs, xz, w2, w2s, w2z, y2s, y2z)
  conv_b = DequantizeLinear(y2, y2s, y2z)
  xuz = Constant<value = uint8 {{120}}>()
  xu = QuantizeLinear(x, xs, xuz)
  w3 = Constant<value = uint8[8,8,2,2] {{{lit(w3)}}}>()
  w3z = Constant<value = uint8 {{128}}>()
  c3 = ConvInteger(xu, w3, xuz, w3z)
  one = Constant<value = float {{1}}>()
  conv_c = DequantizeLinear(c3, one)
  w4 = Constant<value = uint8[16,8,3,3] {{{lit(w4)}}}>()
  w4s = Constant<value = float {{0.004}}>()
  w4z = Constant<value = uint8 {{128}}>()
  b4 = Constant<value = int32[16] {{{lit(b4)}}}>()
  y4s = Constant<value = float {{0.07}}>()
  y4z = Constant<value = uint8 {{125}}>()
  y4 = QLinearConv<pads = [1, 1, 1, 1], strides = [2, 2]>(xu, xs, xuz, w4, w4s, w4z, y4s, y4z, b4)
  conv_d = DequantizeLinear(y4, y4s, y4z)
  w5 = Constant<value = int8[24,8,1,1] {{{lit(w5)}}}>()
  w5s = Constant<value = float {{0.005}}>()
  w5z = Constant<value = int8 {{0}}>()
  b5 = Constant<value = int32[24] {{{lit(b5)}}}>()
  y5s = Constant<value = float {{0.04}}>()
  y5z = Constant<value = int8 {{-2}}>()
  y5 = QLinearConv(xq, xs, xz, w5, w5s, w5z, y5s, y5z, b5)
  conv_e = DequantizeLinear(y5, y5s, y5z)
  x2z = Constant<value = uint8 {{100}}>()
  x2q = QuantizeLinear(x2, xs, x2z)
  w6 = Constant<value = int8[4,6,1,1] {{{lit(w6)}}}>()
  w6s = Constant<value = float[4] {{{flit(s6)}}}>()
  w6z = Constant<value = int8[4] {{0, 0, 0, 0}}>()
  y6s = Constant<value = float {{0.03}}>()
  y6z = Constant<value = uint8 {{110}}>()
  y6 = QLinearConv(x2q, xs, x2z, w6, w6s, w6z, y6s, y6z)
  conv_f = DequantizeLinear(y6, y6s, y6z)
  w7 = Constant<value = int8[8,8,3,3] {{{lit(w7)}}}>()
  w7s = Constant<value = float[8] {{{flit(s7)}}}>()
  w7z = Constant<value = int8[8] {{{lit(np.zeros(8,int))}}}>()
  b7 = Constant<value = int32[8] {{{lit(b7)}}}>()
  y7s = Constant<value = float {{0.06}}>()
  y7z = Constant<value = int8 {{4}}>()
  y7 = QLinearConv<pads = [2, 2, 2, 2], dilations = [2, 2]>(xq, xs, xz, w7, w7s, w7z, y7s, y7z, b7)
  d7 = DequantizeLinear(y7, y7s, y7z)
  dx = DequantizeLinear(xq, xs, xz)
  sum7 = Add(d7, dx)
  s7s = Constant<value = float {{0.07}}>()
  s7z = Constant<value = int8 {{-3}}>()
  q7 = QuantizeLinear(sum7, s7s, s7z)
  conv_g = DequantizeLinear(q7, s7s, s7z)
  w8 = Constant<value = uint8[8,8,3,3] {{{lit(w8)}}}>()
  w8s = Constant<value = float {{0.003}}>()
  w8z = Constant<value = uint8 {{128}}>()
  y8s = Constant<value = float {{0.05}}>()
  y8z = Constant<value = uint8 {{130}}>()
  y8 = QLinearConv<pads = [1, 1, 1, 1]>(xu, xs, xuz, w8, w8s, w8z, y8s, y8z)
  conv_i = DequantizeLinear(y8, y8s, y8z)
  flat = Flatten(xq)
  a9 = DequantizeLinear(flat, xs, xz)
  w9 = Constant<value = int8[16,392] {{{lit(w9)}}}>()
  w9s = Constant<value = float[16] {{{flit(s9)}}}>()
  w9z = Constant<value = int8[16] {{{lit(np.zeros(16, int))}}}>()
  d9 = DequantizeLinear<axis = 0>(w9, w9s, w9z)
  b9 = Constant<value = int32[16] {{{lit(b9)}}}>()
  b9s = Constant<value = float[16] {{{flit(np.float32(0.02) * s9.astype(np.float32))}}}>()
  b9z = Constant<value = int32[16] {{{lit(np.zeros(16, int))}}}>()
  e9 = DequantizeLinear<axis = 0>(b9, b9s, b9z)
  g9 = Gemm<transB = 1>(a9, d9, e9)
  y9s = Constant<value = float {{0.09}}>()
  y9z = Constant<value = int8 {{1}}>()
  q9 = QuantizeLinear(g9, y9s, y9z)
  gemm_j = DequantizeLinear(q9, y9s, y9z)
  x3s = Constant<value = float {{0.03}}>()
  x3z = Constant<value = int8 {{9}}>()
  x3q = QuantizeLinear(x3, x3s, x3z)
  w10 = Constant<value = int8[16,4,3,3] {{{lit(w10)}}}>()
  w10s = Constant<value = float[16] {{{flit(s10)}}}>()
  w10z = Constant<value = int8[16] {{{lit(np.zeros(16, int))}}}>()
  b10 = Constant<value = int32[16] {{{lit(b10)}}}>()
  y10s = Constant<value = float {{0.05}}>()
  y10z = Constant<value = int8 {{-6}}>()
  y10 = QLinearConv<pads = [1, 1, 1, 1], strides = [2, 2]>(x3q, x3s, x3z, w10, w10s, w10z, y10s, y10z, b10)
  conv_k = DequantizeLinear(y10, y10s, y10z)
  w11 = Constant<value = int8[8,4,1,1] {{{lit(w11)}}}>()
  w11s = Constant<value = float {{0.007}}>()
  w11z = Constant<value = int8 {{0}}>()
  y11s = Constant<value = float {{0.02}}>()
  y11z = Constant<value = int8 {{2}}>()
  y11 = QLinearConv(x3q, x3s, x3z, w11, w11s, w11z, y11s, y11z)
  conv_l = DequantizeLinear(y11, y11s, y11z)
  w12 = Constant<value = int8[16,4,3,3] {{{lit(w12)}}}>()
  w12s = Constant<value = float {{0.004}}>()
  w12z = Constant<value = int8 {{0}}>()
  y12s = Constant<value = float {{0.04}}>()
  y12z = Constant<value = int8 {{0}}>()
  y12 = QLinearConv<strides = [8, 8]>(x3q, x3s, x3z, w12, w12s, w12z, y12s, y12z)
  conv_m = DequantizeLinear(y12, y12s, y12z)
}}
'''


def main():
    write_op_model('byte_quad_lanes', model_text(), 1)


if __name__ == '__main__':
    main()
