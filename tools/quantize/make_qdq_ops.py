"""Writes the op model tests/models/qdq_ops.onnxtxt and ONNX Runtime's outputs for it on
four inputs (ort_op_model.py): QDQ patterns (DequantizeLinear -> op -> QuantizeLinear,
each DequantizeLinear read by the op alone, as ORT's quantiser writes them) that ORT's
QDQ transformer replaces by its com.microsoft QLinear ops, computing them with those
ops' arithmetic, not the float ops between:
  GlobalAveragePool (QLinearGlobalAveragePool): int8 and uint8, on inputs whose every
    sum ORT's one multiplier and the chained dequantise, average, quantise round to
    different codes (make_microsoft_ops.py's pool_input);
  Mul (QLinearMul): int8 on products every one of which rounds to another code when the
    zero point is added after rounding (telling_products), uint8 by a constant; and,
    on telling products too, a Mul whose DequantizeLinear a Relu also reads, which ORT
    leaves in float (one DequantizeLinear read by two ops);
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
qdq_ops (float[2,3,7,7] p, float[1,4,5,3] pu, float[4,64] ma, float[4,64] mb, float[4,64] wide, float[4,64] a, float[4,64] c1, float[4,32] c2, float[4,64] na, float[4,64] nb) => (float[2,3,1,1] gap_a, float[1,4,1,1] gap_b, float[4,64] mul_a, float[4,64] mul_b, float[4,64] sigmoid_a, float[4,64] sigmoid_b, float[4,64] leaky_a, float[4,64] leaky_b, float[4,160] concat_a, float[4,64] mul_c, float[4,64] relu_c) {{
  # Each pattern's DequantizeLinear read by its op alone, the op's output by its
  # QuantizeLinear alone: as ORT's QDQ transformer requires to replace it (no two
  # QuantizeLinear alike: ORT would merge them, and a shared one is not replaced).
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
}}
'''


def designed_inputs(feeds, rng):
    """The pools' inputs (pool_input), mul_a's and mul_c's telling products, `wide` over
    every code at its scale of 0.2."""
    designed = {name: pool_input(feeds[name].shape, rng) for name in ('p', 'pu')}
    a, b = telling_products()
    for x, y in (('ma', 'mb'), ('na', 'nb')):
        pick = rng.integers(0, len(a), feeds[x].shape)
        designed[x] = ((a[pick] - MUL_A[1]) * np.float32(MUL_A[0])).astype(np.float32)
        designed[y] = ((b[pick] - MUL_A[3]) * np.float32(MUL_A[2])).astype(np.float32)
    designed['wide'] = rng.uniform(-26.0, 26.0, feeds['wide'].shape).astype(np.float32)
    return designed


def main():
    write_op_model('qdq_ops', model_text(), 3, designed_inputs)


if __name__ == '__main__':
    main()
