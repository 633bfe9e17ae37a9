"""Writes the op model tests/models/qdq_ops.onnxtxt and ONNX Runtime's outputs for it on
four inputs (ort_op_model.py): QDQ patterns (DequantizeLinear -> op -> QuantizeLinear)
that ORT's QDQ transformer replaces by its com.microsoft QLinear ops, computing them
with those ops' arithmetic, not the float ops between, and some it leaves in float:
  GlobalAveragePool (QLinearGlobalAveragePool): int8 and uint8, on inputs whose every
    sum ORT's one multiplier and the chained dequantise, average, quantise round to
    different codes (make_microsoft_ops.py's pool_input);
  Mul (QLinearMul): int8 on products every one of which rounds to another code when the
    zero point is added after rounding (telling_products), uint8 by a constant; and,
    on telling products too, three ORT's x86 build decides by the types it computes in
    (its QDQS8ToU8Transformer makes an int8 QuantizeLinear -> DequantizeLinear pair
    uint8 where the pair is read once): an int8 Mul whose DequantizeLinear a Relu also
    reads and one by an int8 constant, both left in float (one operand uint8, the other
    int8), the first again with a QuantizeLinear -> DequantizeLinear pair of its own for
    each reader (dedicated pairs: ORT merges them), left in float too, and a uint8 Mul
    whose DequantizeLinear a Relu also reads, replaced; and an
    int8 Mul ORT computes in uint8, with a_scale 0.5 - 2^-18 on products of +-1, where
    its output's zero point 128 up (added in float) rounds to another code;
  Softmax (QLinearSoftmax: ORT's table, at most a step below the float Softmax), and
    one whose int8 DequantizeLinear a Relu also reads, left in float by ORT;
  Sigmoid and LeakyRelu (QLinearSigmoid, QLinearLeakyRelu): int8 over every code, uint8;
  Concat (QLinearConcat): int8 inputs of other scales than the output's, and one of its
    own.
Inputs from default_rng(3). Deterministic: running it again gives the same bytes.

    python3 -m venv .venv && .venv/bin/pip install -r tools/quantize/requirements.txt
    .venv/bin/python tools/quantize/make_qdq_ops.py
"""
import numpy as np

from make_microsoft_ops import MUL_A, pool_input, telling_products
from ort_op_model import write_op_model


def model_text():
    sa, za, sb, zb, sc, zc = MUL_A
    return f'''<ir_version: 8, opset_import: ["" : 13]>
qdq_ops (float[2,3,7,7] p, float[1,4,5,3] pu, float[4,64] ma, float[4,64] mb, float[4,64] wide, float[4,64] a, float[4,64] c1, float[4,32] c2, float[4,64] na, float[4,64] nb, float[6,10] sx, float[6,10] sy, float[4,64] ua, float[4,64] ub, float[4,64] ka, float[2,8] fa, float[2,8] fb, float[4,64] ga, float[4,64] gb) => (float[2,3,1,1] gap_a, float[1,4,1,1] gap_b, float[4,64] mul_a, float[4,64] mul_b, float[4,64] sigmoid_a, float[4,64] sigmoid_b, float[4,64] leaky_a, float[4,64] leaky_b, float[4,160] concat_a, float[4,64] mul_c, float[4,64] relu_c, float[6,10] softmax_a, float[6,10] softmax_b, float[6,10] relu_s, float[4,64] mul_d, float[4,64] relu_d, float[4,64] mul_e, float[2,8] mul_f, float[4,64] mul_g, float[4,64] relu_g) {{
  # Each pattern's op output read by its QuantizeLinear alone, and no two
  # QuantizeLinear alike (ORT would merge them: an int8 one read twice stays int8 on
  # x86, and a pattern of int8 and uint8 tensors is not replaced).
  ps = Constant<value = float {{0.023}}>()
  pz = Constant<value = int8 {{-3}}>()
  pq = QuantizeLinear(p, ps, pz)
  pd = DequantizeLinear(pq, ps, pz)
  pg = GlobalAveragePool(pd)
  gas = Constant<value = float {{0.0092}}>()
  gaz = Constant<value = int8 {{4}}>()
  gaq = QuantizeLinear(pg, gas, gaz)
  gap_a = DequantizeLinear(gaq, gas, gaz)
  puz = Constant<value = uint8 {{130}}>()
  puq = QuantizeLinear(pu, ps, puz)
  pud = DequantizeLinear(puq, ps, puz)
  pug = GlobalAveragePool(pud)
  gbz = Constant<value = uint8 {{120}}>()
  gbq = QuantizeLinear(pug, gas, gbz)
  gap_b = DequantizeLinear(gbq, gas, gbz)
  mas = Constant<value = float {{{sa!r}}}>()
  maz = Constant<value = int8 {{{za}}}>()
  maq = QuantizeLinear(ma, mas, maz)
  mad = DequantizeLinear(maq, mas, maz)
  mbs = Constant<value = float {{{sb!r}}}>()
  mbz = Constant<value = int8 {{{zb}}}>()
  mbq = QuantizeLinear(mb, mbs, mbz)
  mbd = DequantizeLinear(mbq, mbs, mbz)
  mm = Mul(mad, mbd)
  mcs = Constant<value = float {{{sc!r}}}>()
  mcz = Constant<value = int8 {{{zc}}}>()
  mcq = QuantizeLinear(mm, mcs, mcz)
  mul_a = DequantizeLinear(mcq, mcs, mcz)
  aus = Constant<value = float {{0.021}}>()
  auz = Constant<value = uint8 {{128}}>()
  auq = QuantizeLinear(a, aus, auz)
  aud = DequantizeLinear(auq, aus, auz)
  mk = Constant<value = uint8 {{200}}>()
  mks = Constant<value = float {{0.004}}>()
  mkz = Constant<value = uint8 {{128}}>()
  mkd = DequantizeLinear(mk, mks, mkz)
  mu = Mul(aud, mkd)
  mus = Constant<value = float {{0.03}}>()
  muz = Constant<value = uint8 {{100}}>()
  muq = QuantizeLinear(mu, mus, muz)
  mul_b = DequantizeLinear(muq, mus, muz)
  ws = Constant<value = float {{0.2}}>()
  wz = Constant<value = int8 {{0}}>()
  wq = QuantizeLinear(wide, ws, wz)
  wd = DequantizeLinear(wq, ws, wz)
  sg = Sigmoid(wd)
  sas = Constant<value = float {{0.00390625}}>()
  saz = Constant<value = int8 {{-128}}>()
  saq = QuantizeLinear(sg, sas, saz)
  sigmoid_a = DequantizeLinear(saq, sas, saz)
  bus = Constant<value = float {{0.012}}>()
  buz = Constant<value = uint8 {{0}}>()
  buq = QuantizeLinear(a, bus, buz)
  bud = DequantizeLinear(buq, bus, buz)
  sgu = Sigmoid(bud)
  sbs = Constant<value = float {{0.0041}}>()
  sbz = Constant<value = uint8 {{0}}>()
  sbq = QuantizeLinear(sgu, sbs, sbz)
  sigmoid_b = DequantizeLinear(sbq, sbs, sbz)
  wz2 = Constant<value = int8 {{1}}>()
  wq2 = QuantizeLinear(wide, ws, wz2)
  wd2 = DequantizeLinear(wq2, ws, wz2)
  lr = LeakyRelu<alpha = 0.1>(wd2)
  las = Constant<value = float {{0.013}}>()
  laz = Constant<value = int8 {{-60}}>()
  laq = QuantizeLinear(lr, las, laz)
  leaky_a = DequantizeLinear(laq, las, laz)
  cuz = Constant<value = uint8 {{127}}>()
  auq2 = QuantizeLinear(a, aus, cuz)
  aud3 = DequantizeLinear(auq2, aus, cuz)
  lru = LeakyRelu(aud3)
  lbs = Constant<value = float {{0.011}}>()
  lbz = Constant<value = uint8 {{100}}>()
  lbq = QuantizeLinear(lru, lbs, lbz)
  leaky_b = DequantizeLinear(lbq, lbs, lbz)
  c1s = Constant<value = float {{0.021}}>()
  c1z = Constant<value = int8 {{-7}}>()
  c1q = QuantizeLinear(c1, c1s, c1z)
  c1d = DequantizeLinear(c1q, c1s, c1z)
  c2s = Constant<value = float {{0.03}}>()
  c2z = Constant<value = int8 {{2}}>()
  c2q = QuantizeLinear(c2, c2s, c2z)
  c2d = DequantizeLinear(c2q, c2s, c2z)
  cos = Constant<value = float {{0.025}}>()
  coz = Constant<value = int8 {{-1}}>()
  c3q = QuantizeLinear(c1, cos, coz)
  c3d = DequantizeLinear(c3q, cos, coz)
  cc = Concat<axis = 1>(c1d, c2d, c3d)
  ccq = QuantizeLinear(cc, cos, coz)
  concat_a = DequantizeLinear(ccq, cos, coz)
  naq = QuantizeLinear(na, mas, maz)
  nad = DequantizeLinear(naq, mas, maz)
  nbq = QuantizeLinear(nb, mbs, mbz)
  nbd = DequantizeLinear(nbq, mbs, mbz)
  nm = Mul(nad, nbd)
  ncq = QuantizeLinear(nm, mcs, mcz)
  mul_c = DequantizeLinear(ncq, mcs, mcz)
  relu_c = Relu(nad)
  sxs = Constant<value = float {{0.1}}>()
  sxz = Constant<value = int8 {{3}}>()
  sxq = QuantizeLinear(sx, sxs, sxz)
  sxd = DequantizeLinear(sxq, sxs, sxz)
  sm = Softmax<axis = 1>(sxd)
  sos = Constant<value = float {{0.003921569}}>()
  soz = Constant<value = int8 {{-128}}>()
  smq = QuantizeLinear(sm, sos, soz)
  softmax_a = DequantizeLinear(smq, sos, soz)
  syz = Constant<value = int8 {{-2}}>()
  syq = QuantizeLinear(sy, sxs, syz)
  syd = DequantizeLinear(syq, sxs, syz)
  sn = Softmax<axis = 1>(syd)
  snq = QuantizeLinear(sn, sos, soz)
  softmax_b = DequantizeLinear(snq, sos, soz)
  relu_s = Relu(syd)
  uaz = Constant<value = uint8 {{{za + 128}}}>()
  uaq = QuantizeLinear(ua, mas, uaz)
  uad = DequantizeLinear(uaq, mas, uaz)
  ubz = Constant<value = uint8 {{{zb + 128}}}>()
  ubq = QuantizeLinear(ub, mbs, ubz)
  ubd = DequantizeLinear(ubq, mbs, ubz)
  um = Mul(uad, ubd)
  ucz = Constant<value = uint8 {{{zc + 128}}}>()
  ucq = QuantizeLinear(um, mcs, ucz)
  mul_d = DequantizeLinear(ucq, mcs, ucz)
  relu_d = Relu(uad)
  kaq = QuantizeLinear(ka, mas, maz)
  kad = DequantizeLinear(kaq, mas, maz)
  kb = Constant<value = int8 {{{CONSTANT_B}}}>()
  kbd = DequantizeLinear(kb, mbs, mbz)
  km = Mul(kad, kbd)
  kcq = QuantizeLinear(km, mcs, mcz)
  mul_e = DequantizeLinear(kcq, mcs, mcz)
  fas = Constant<value = float {{{F_SCALE!r}}}>()
  f0 = Constant<value = int8 {{0}}>()
  faq = QuantizeLinear(fa, fas, f0)
  fad = DequantizeLinear(faq, fas, f0)
  one = Constant<value = float {{1.0}}>()
  fbq = QuantizeLinear(fb, one, f0)
  fbd = DequantizeLinear(fbq, one, f0)
  fm = Mul(fad, fbd)
  fcz = Constant<value = int8 {{-5}}>()
  fcq = QuantizeLinear(fm, one, fcz)
  mul_f = DequantizeLinear(fcq, one, fcz)
  dpaq = QuantizeLinear(ga, mas, maz)
  dpad = DequantizeLinear(dpaq, mas, maz)
  dpaq2 = QuantizeLinear(ga, mas, maz)
  dpad2 = DequantizeLinear(dpaq2, mas, maz)
  dpbq = QuantizeLinear(gb, mbs, mbz)
  dpbd = DequantizeLinear(dpbq, mbs, mbz)
  dpm = Mul(dpad, dpbd)
  dpcq = QuantizeLinear(dpm, mcs, mcz)
  mul_g = DequantizeLinear(dpcq, mcs, mcz)
  relu_g = Relu(dpad2)
}}
'''


def constant_b():
    """mul_e's constant b: the int8 code of the most telling products."""
    _, b = telling_products()
    codes, counts = np.unique(b, return_counts=True)
    return int(codes[np.argmax(counts)])


CONSTANT_B = constant_b()
# mul_f's a_scale: products of +-1 land 2^-18 from a half, which adding the output's
# zero point (-5, or 123 in uint8) in float rounds onto the half or not.
F_SCALE = float(np.float32(0.5 - 2.0 ** -18))


def designed_inputs(feeds, rng):
    """The pools' inputs (pool_input), the Muls' telling products (mul_e's a codes telling
    with its constant b), `wide` over every code at its scale of 0.2."""
    designed = {name: pool_input(feeds[name].shape, rng) for name in ('p', 'pu')}
    a, b = telling_products()
    for x, y in (('ma', 'mb'), ('na', 'nb'), ('ga', 'gb')):
        pick = rng.integers(0, len(a), feeds[x].shape)
        designed[x] = ((a[pick] - MUL_A[1]) * np.float32(MUL_A[0])).astype(np.float32)
        designed[y] = ((b[pick] - MUL_A[3]) * np.float32(MUL_A[2])).astype(np.float32)
    ua, ub = telling_products(128)
    pick = rng.integers(0, len(ua), feeds['ua'].shape)
    designed['ua'] = ((ua[pick] - MUL_A[1] - 128) * np.float32(MUL_A[0])).astype(np.float32)
    designed['ub'] = ((ub[pick] - MUL_A[3] - 128) * np.float32(MUL_A[2])).astype(np.float32)
    ka = a[b == CONSTANT_B]
    designed['ka'] = ((ka[rng.integers(0, len(ka), feeds['ka'].shape)] - MUL_A[1]) *
                      np.float32(MUL_A[0])).astype(np.float32)
    designed['wide'] = rng.uniform(-26.0, 26.0, feeds['wide'].shape).astype(np.float32)
    designed['fa'] = (rng.choice([-1, 1], feeds['fa'].shape) * np.float32(F_SCALE)).astype(np.float32)
    designed['fb'] = rng.choice([-1.0, 1.0], feeds['fb'].shape).astype(np.float32)
    return designed


def main():
    write_op_model('qdq_ops', model_text(), 3, designed_inputs)


if __name__ == '__main__':
    main()
