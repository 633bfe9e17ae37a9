"""Writes the op model tests/models/microsoft_ops.onnxtxt and ONNX Runtime's outputs for
it on four inputs (ort_op_model.py): ORT's com.microsoft ops that modelc reads as ops of
its own, in the forms ORT's quantiser and hand-made QOperator models give them.
  QGemm: B as [N, K] (transB) or [K, N], A transposed, per-column and per-tensor
    weights, C as [N], [1, N], one element, rank 0 or absent, int8 and uint8 operands, a
    B computed at run time, given either way;
  QLinearGlobalAveragePool: int8 and uint8, two images, 2-D and 1-D images, a 1x1 one,
    on inputs whose every sum tells ORT's arithmetic from the chained one;
  QLinearSigmoid and QLinearLeakyRelu: int8 and uint8, x's zero point absent, alpha
    given and default, every int8 code (past the logistic's clamp at +-18);
  QLinearConcat: int8 and uint8, inputs with the output's scale and zero point and
    with others;
  QLinearMul: int8 on inputs whose every product tells ORT's arithmetic (the zero point
    added in float before rounding) from rounding first, uint8 by a constant scalar, a
    column broadcast, c's zero point absent (ORT 1.20's type inference
    fails on an absent a or b zero point), and a ratio of scales so large that products
    pass 2^31 (x86's conversion then gives the type's minimum).
Weights from numpy's default_rng(15), 7-bit as tools/quantize's networks' (ORT's x86
products saturate otherwise); inputs from default_rng(2). Deterministic: running it
again gives the same bytes.

    python3 -m venv .venv && .venv/bin/pip install -r tools/quantize/requirements.txt
    .venv/bin/python tools/quantize/make_microsoft_ops.py
"""
import numpy as np

from ort_op_model import flit, lit, write_op_model


def model_text():
    r = np.random.default_rng(15)

    wa = r.integers(-63, 64, (12, 40))
    sa = np.round(r.uniform(0.002, 0.01, 12), 5)
    ca = r.integers(-3000, 3000, 12)
    wb = r.integers(-63, 64, (40, 12))
    cb = r.integers(-3000, 3000, 12)
    wc = r.integers(-63, 64, (40, 8))
    sc = np.round(r.uniform(0.002, 0.01, 8), 5)
    wd = r.integers(65, 192, (10, 40))
    ce = r.integers(-3000, 3000, 6)
    return f'''<ir_version: 8, opset_import: ["" : 13, "com.microsoft" : 1]>
microsoft_ops (float[3,40] x, float[40,3] xt, float[40,6] z, float[2,3,7,7] p, float[1,4,5,3] pu, float[1,5,9] pl, float[1,6,1,1] po, float[4,64] a, float[6,40] zt, float[4,64] wide, float[4,64] ma, float[4,64] mb, float[4,1] col) => (float[3,12] gemm_a, float[3,12] gemm_b, float[3,8] gemm_c, float[3,10] gemm_d, float[3,6] gemm_e, float[2,3,1,1] pool_a, float[1,4,1,1] pool_b, float[1,5,1] pool_c, float[1,6,1,1] pool_d, float[4,64] sigmoid_a, float[4,64] sigmoid_b, float[4,64] leaky_a, float[4,64] leaky_b, float[3,6] gemm_f, float[4,64] sigmoid_c, float[4,192] concat_a, float[8,64] concat_b, float[4,64] concat_c, float[4,64] mul_a, float[4,64] mul_b, float[4,64] mul_c, float[4,64] mul_d, float[4,64] mul_e) {{
  # a: as ORT's quantiser writes a Gemm: B [N, K] (transB), per-column scales, C [N];
  # b: B [K, N], per tensor, C [1, N], y's zero point not 0; c: A given as [K, M]
  # (transA), B [K, N] per column, no C; d: uint8 A and B (zero point 128), C one
  # element; e: B computed at run time (z's codes), C [N]; f: A as [K, M] and a run-time
  # B as [N, K] (transA and transB), C of rank 0. QLinearGlobalAveragePool (ORT's
  # one multiplier x_scale / (y_scale * count)): a: int8, two images of 7x7; b: uint8,
  # 5x3; c: a 1-D image of 9; d: 1x1 images. QLinearSigmoid and QLinearLeakyRelu (ORT's
  # tables): a: int8; c: int8 over the whole range of codes, past the logistic's clamp
  # at +-18; b: uint8, sigmoid's without x's zero point, leaky's default alpha
  # (ORT 1.20 reads past the inputs of a QLinearSigmoid without y_zero_point).
  # QLinearConcat: a: int8 along axis 1, the middle input with y's pair (copied), the
  # others requantised; b: uint8 along axis 0; c: one input, copied, along axis -1.
  # QLinearMul (ORT's x86 arithmetic): a: int8, every product a telling one; b: uint8
  # by a constant scalar; c: int8 by a column; d: uint8, no c zero point; e: int8, the
  # ratio of scales 6.3e5 (overflow past 2^31 gives -128).
  xs = Constant<value = float {{0.02}}>()
  xz = Constant<value = int8 {{-5}}>()
  xq = QuantizeLinear(x, xs, xz)
  wa = Constant<value = int8[12,40] {{{lit(wa)}}}>()
  was = Constant<value = float[12] {{{flit(sa)}}}>()
  waz = Constant<value = int8[12] {{{lit(np.zeros(12, int))}}}>()
  ca = Constant<value = int32[12] {{{lit(ca)}}}>()
  yas = Constant<value = float {{0.08}}>()
  yaz = Constant<value = int8 {{0}}>()
  ya = com.microsoft.QGemm<transB = 1>(xq, xs, xz, wa, was, waz, ca, yas, yaz)
  gemm_a = DequantizeLinear(ya, yas, yaz)
  wb = Constant<value = int8[40,12] {{{lit(wb)}}}>()
  wbs = Constant<value = float {{0.006}}>()
  wbz = Constant<value = int8 {{0}}>()
  cb = Constant<value = int32[1,12] {{{lit(cb)}}}>()
  ybs = Constant<value = float {{0.05}}>()
  ybz = Constant<value = int8 {{-7}}>()
  yb = com.microsoft.QGemm<alpha = 1.0, transA = 0, transB = 0>(xq, xs, xz, wb, wbs, wbz, cb, ybs, ybz)
  gemm_b = DequantizeLinear(yb, ybs, ybz)
  xtq = QuantizeLinear(xt, xs, xz)
  wc = Constant<value = int8[40,8] {{{lit(wc)}}}>()
  wcs = Constant<value = float[8] {{{flit(sc)}}}>()
  wcz = Constant<value = int8[8] {{{lit(np.zeros(8, int))}}}>()
  ycs = Constant<value = float {{0.04}}>()
  ycz = Constant<value = int8 {{3}}>()
  yc = com.microsoft.QGemm<transA = 1>(xtq, xs, xz, wc, wcs, wcz, , ycs, ycz)
  gemm_c = DequantizeLinear(yc, ycs, ycz)
  xuz = Constant<value = uint8 {{120}}>()
  xu = QuantizeLinear(x, xs, xuz)
  wd = Constant<value = uint8[10,40] {{{lit(wd)}}}>()
  wds = Constant<value = float {{0.004}}>()
  wdz = Constant<value = uint8 {{128}}>()
  cd = Constant<value = int32[1] {{-1500}}>()
  yds = Constant<value = float {{0.07}}>()
  ydz = Constant<value = uint8 {{125}}>()
  yd = com.microsoft.QGemm<transB = 1>(xu, xs, xuz, wd, wds, wdz, cd, yds, ydz)
  gemm_d = DequantizeLinear(yd, yds, ydz)
  zs = Constant<value = float {{0.015}}>()
  zz = Constant<value = int8 {{2}}>()
  zq = QuantizeLinear(z, zs, zz)
  ce = Constant<value = int32[6] {{{lit(ce)}}}>()
  yes = Constant<value = float {{0.3}}>()
  yez = Constant<value = int8 {{-1}}>()
  ye = com.microsoft.QGemm(xq, xs, xz, zq, zs, zz, ce, yes, yez)
  gemm_e = DequantizeLinear(ye, yes, yez)
  ps = Constant<value = float {{0.023}}>()
  pz = Constant<value = int8 {{-3}}>()
  pq = QuantizeLinear(p, ps, pz)
  pas = Constant<value = float {{0.0092}}>()
  paz = Constant<value = int8 {{4}}>()
  pa = com.microsoft.QLinearGlobalAveragePool<channels_last = 0>(pq, ps, pz, pas, paz)
  pool_a = DequantizeLinear(pa, pas, paz)
  puz = Constant<value = uint8 {{130}}>()
  puq = QuantizeLinear(pu, ps, puz)
  pbs = Constant<value = float {{0.0092}}>()
  pbz = Constant<value = uint8 {{120}}>()
  pb = com.microsoft.QLinearGlobalAveragePool(puq, ps, puz, pbs, pbz)
  pool_b = DequantizeLinear(pb, pbs, pbz)
  plq = QuantizeLinear(pl, ps, pz)
  pcs = Constant<value = float {{0.0092}}>()
  pcz = Constant<value = int8 {{-10}}>()
  pc = com.microsoft.QLinearGlobalAveragePool(plq, ps, pz, pcs, pcz)
  pool_c = DequantizeLinear(pc, pcs, pcz)
  poq = QuantizeLinear(po, ps, pz)
  pds = Constant<value = float {{0.0092}}>()
  pdz = Constant<value = int8 {{0}}>()
  pd = com.microsoft.QLinearGlobalAveragePool(poq, ps, pz, pds, pdz)
  pool_d = DequantizeLinear(pd, pds, pdz)
  as = Constant<value = float {{0.021}}>()
  az = Constant<value = int8 {{-7}}>()
  aq = QuantizeLinear(a, as, az)
  sas = Constant<value = float {{0.00390625}}>()
  saz = Constant<value = int8 {{-128}}>()
  sa = com.microsoft.QLinearSigmoid(aq, as, az, sas, saz)
  sigmoid_a = DequantizeLinear(sa, sas, saz)
  aus = Constant<value = float {{0.012}}>()
  au = QuantizeLinear(a, aus)
  sbs = Constant<value = float {{0.0041}}>()
  sbz = Constant<value = uint8 {{0}}>()
  sb = com.microsoft.QLinearSigmoid(au, aus, , sbs, sbz)
  sigmoid_b = DequantizeLinear(sb, sbs, sbz)
  las = Constant<value = float {{0.013}}>()
  laz = Constant<value = int8 {{-60}}>()
  la = com.microsoft.QLinearLeakyRelu<alpha = 0.1>(aq, as, az, las, laz)
  leaky_a = DequantizeLinear(la, las, laz)
  auz = Constant<value = uint8 {{128}}>()
  auq = QuantizeLinear(a, as, auz)
  lbs = Constant<value = float {{0.011}}>()
  lbz = Constant<value = uint8 {{100}}>()
  lb = com.microsoft.QLinearLeakyRelu(auq, as, auz, lbs, lbz)
  leaky_b = DequantizeLinear(lb, lbs, lbz)
  ztq = QuantizeLinear(zt, zs, zz)
  cf = Constant<value = int32 {{700}}>()
  yfs = Constant<value = float {{0.25}}>()
  yfz = Constant<value = int8 {{5}}>()
  yf = com.microsoft.QGemm<transA = 1, transB = 1>(xtq, xs, xz, ztq, zs, zz, cf, yfs, yfz)
  gemm_f = DequantizeLinear(yf, yfs, yfz)
  ws = Constant<value = float {{0.2}}>()
  wz = Constant<value = int8 {{0}}>()
  wq = QuantizeLinear(wide, ws, wz)
  sc = com.microsoft.QLinearSigmoid(wq, ws, wz, sas, saz)
  sigmoid_c = DequantizeLinear(sc, sas, saz)
  a2s = Constant<value = float {{0.03}}>()
  a2z = Constant<value = int8 {{2}}>()
  a2q = QuantizeLinear(a, a2s, a2z)
  cas = Constant<value = float {{0.025}}>()
  caz = Constant<value = int8 {{-1}}>()
  a3q = QuantizeLinear(a, cas, caz)
  cqa = com.microsoft.QLinearConcat<axis = 1>(cas, caz, aq, as, az, a3q, cas, caz, a2q, a2s, a2z)
  concat_a = DequantizeLinear(cqa, cas, caz)
  u0 = Constant<value = uint8 {{0}}>()
  cbs = Constant<value = float {{0.015}}>()
  cbz = Constant<value = uint8 {{120}}>()
  cqb = com.microsoft.QLinearConcat<axis = 0>(cbs, cbz, au, aus, u0, auq, as, auz)
  concat_b = DequantizeLinear(cqb, cbs, cbz)
  cqc = com.microsoft.QLinearConcat<axis = -1>(cas, caz, a3q, cas, caz)
  concat_c = DequantizeLinear(cqc, cas, caz)
  mas = Constant<value = float {{{MUL_A[0]!r}}}>()
  maz = Constant<value = int8 {{{MUL_A[1]}}}>()
  maq = QuantizeLinear(ma, mas, maz)
  mbs = Constant<value = float {{{MUL_A[2]!r}}}>()
  mbz = Constant<value = int8 {{{MUL_A[3]}}}>()
  mbq = QuantizeLinear(mb, mbs, mbz)
  mcs = Constant<value = float {{{MUL_A[4]!r}}}>()
  mcz = Constant<value = int8 {{{MUL_A[5]}}}>()
  mqa = com.microsoft.QLinearMul(maq, mas, maz, mbq, mbs, mbz, mcs, mcz)
  mul_a = DequantizeLinear(mqa, mcs, mcz)
  mk = Constant<value = uint8 {{200}}>()
  mks = Constant<value = float {{0.004}}>()
  mkz = Constant<value = uint8 {{128}}>()
  mbos = Constant<value = float {{0.03}}>()
  mboz = Constant<value = uint8 {{100}}>()
  mqb = com.microsoft.QLinearMul(auq, as, auz, mk, mks, mkz, mbos, mboz)
  mul_b = DequantizeLinear(mqb, mbos, mboz)
  colq = QuantizeLinear(col, a2s, a2z)
  mccs = Constant<value = float {{0.04}}>()
  mccz = Constant<value = int8 {{-3}}>()
  mqc = com.microsoft.QLinearMul(aq, as, az, colq, a2s, a2z, mccs, mccz)
  mul_c = DequantizeLinear(mqc, mccs, mccz)
  mds = Constant<value = float {{0.02}}>()
  mqd = com.microsoft.QLinearMul(au, aus, u0, auq, as, auz, mds)
  mul_d = DequantizeLinear(mqd, mds)
  mes = Constant<value = float {{1e-09}}>()
  mez = Constant<value = int8 {{6}}>()
  mqe = com.microsoft.QLinearMul(aq, as, az, a2q, a2s, a2z, mes, mez)
  mul_e = DequantizeLinear(mqe, mes, mez)
}}
'''


# The pools' inputs, and their x_scale and y_scale, as the model's.
POOL_INPUTS = ('p', 'pu', 'pl', 'po')
POOL_X_SCALE, POOL_Y_SCALE = np.float32(0.023), np.float32(0.0092)


def telling_sums(count):
    """The sums of x - x_zero_point over `count` codes whose average ORT's one multiplier,
    x_scale / (y_scale * count), and the chained dequantise, divide, quantise round to
    different codes (within 120 of y's zero point): inputs on which a kernel computing
    the other arithmetic fails. Either way the expected outputs are ORT's."""
    f = np.float32
    sums = np.arange(-127 * count, 128 * count).astype(f)
    chained = np.rint(((sums * POOL_X_SCALE) / f(count)) / POOL_Y_SCALE)
    one = np.rint(sums * (POOL_X_SCALE / (POOL_Y_SCALE * f(count))))
    return sums[(chained != one) & (np.abs(one) <= 120)].astype(np.int64)


def pool_input(shape, rng):
    """Floats whose codes less the zero point sum to a telling sum in every (image,
    channel); within 49 of the zero point, so never clamped."""
    images, channels, count = shape[0], shape[1], int(np.prod(shape[2:]))
    sums = telling_sums(count)
    codes = np.empty((images, channels, count), np.int64)
    for i in range(images):
        for c in range(channels):
            total = int(rng.choice(sums))
            codes[i, c] = total // count + (np.arange(count) < total % count)
    return (codes.astype(np.float32) * POOL_X_SCALE).reshape(shape)


# mul_a's a_scale, a_zero_point, b_scale, b_zero_point, c_scale, c_zero_point.
MUL_A = (0.02, -5, 0.013, 3, 0.05, 7)


def telling_products(shift=0):
    """The int8 code pairs (a, b) whose product ORT's x86 QLinearMul requantises (the
    zero point added in float, then rounded) to another code than rounding first and
    adding the zero point after: with mul_a's parameters; with shift = 128 the uint8
    pairs, every code and zero point 128 up."""
    f = np.float32
    sa, za, sb, zb, sc, zc = (f(MUL_A[0]), MUL_A[1] + shift, f(MUL_A[2]), MUL_A[3] + shift, f(MUL_A[4]),
                              MUL_A[5] + shift)
    codes = np.arange(-128, 128) + shift
    a, b = (g.ravel() for g in np.meshgrid(codes, codes))
    scaled = ((a - za) * (b - zb)).astype(f) * ((sa * sb) / sc)
    offset_first = np.clip(np.rint(scaled + f(zc)), codes[0], codes[-1])
    rounded_first = np.clip(np.rint(scaled) + zc, codes[0], codes[-1])
    telling = offset_first != rounded_first
    return a[telling], b[telling]


def designed_inputs(feeds, rng):
    """The pools' inputs (pool_input), `wide` over every code at its scale of 0.2, and
    mul_a's `ma` and `mb`: each element pair a telling product's (telling_products)."""
    designed = {name: pool_input(feeds[name].shape, rng) for name in POOL_INPUTS}
    designed['wide'] = rng.uniform(-26.0, 26.0, feeds['wide'].shape).astype(np.float32)
    a, b = telling_products()
    pick = rng.integers(0, len(a), feeds['ma'].shape)
    designed['ma'] = ((a[pick] - MUL_A[1]) * np.float32(MUL_A[0])).astype(np.float32)
    designed['mb'] = ((b[pick] - MUL_A[3]) * np.float32(MUL_A[2])).astype(np.float32)
    return designed


def main():
    write_op_model('microsoft_ops', model_text(), 2, designed_inputs)


if __name__ == '__main__':
    main()
