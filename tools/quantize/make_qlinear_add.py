"""Writes the op model tests/models/qlinear_add.onnxtxt and ONNX Runtime's outputs for it
on four inputs (ort_op_model.py): quantised sums as ORT's x86-64 build computes them,
on inputs chosen so that every element (or most) tells one arithmetic from another.
  com.microsoft QLinearAdd (ORT's MLAS kernel: ratios of scales, the zero points added
    in float before rounding, fused multiply-adds; compiler/ops/quantize/quantized_sum.h):
    add_a: int8, scales whose ratios are powers of two and odd zero points, where many
    sums land on halves and the float chain (DequantizeLinear -> Add -> QuantizeLinear)
    rounds them otherwise; add_b: uint8 by a column (b one element over each row);
    add_c: a [1, 8, 1, 1] + b [1, 8, 4, 4], which ORT computes with b as MLAS's first
    operand, on code pairs whose sum tells the order; add_d: a ratio of scales of 1e8,
    sums past 2^31 (x86's conversion then gives the type's minimum); add_e: add_c's
    shapes with b transposed from [1, 4, 4, 8] just before, a a constant: modelc moves
    the Transpose below the sum (sink-transposes), where the shapes would say a and b in
    MLAS's order; the order is the model's; add_f: a [1, 4, 1, 1] + b [1] and add_g:
    [1] + [1], both b first too (ORT's broadcaster skips trailing 1s only among the
    dimensions both shapes have).
  DequantizeLinear -> Add -> QuantizeLinear: qdq_a: int8 pairs read once, which ORT's x86
    build makes uint8 and replaces by QLinearAdd, on code pairs whose sum tells uint8
    from int8; qdq_b: int8, a's DequantizeLinear also read by a Relu, left in float by
    ORT (the float chain); qdq_c: the same in uint8, replaced.
  A convolution's fused sum (residual fusion): res_a: uint8, Add(addend, conv), the
    addend MLAS's first operand, on code pairs whose sum tells the order; res_b: int8
    pairs read once (computed as uint8), Add(conv, addend), on code pairs telling uint8.
    Each convolution is 1x1 with weight 1 and x's pair as y's, so its output codes are
    its input's, chosen like the others.
Inputs from default_rng(4). Deterministic: running it again gives the same bytes.

    python3 -m venv .venv && .venv/bin/pip install -r tools/quantize/requirements.txt
    .venv/bin/python tools/quantize/make_qlinear_add.py
"""
import numpy as np

from ort_op_model import write_op_model

F = np.float32
# Ratios of scales powers of two, zero points odd: sums land on halves.
HALVES = (0.0625, 3, 0.03125, -5, 0.0625, 7)


def fma32(x, y, z):
    """float32 fused multiply-add, rounded once (in float64 rounded to odd, then to
    float32)."""
    p = x.astype(np.float64) * y.astype(np.float64)
    w = np.asarray(z, np.float64)
    s = p + w
    part = s - p
    e = (p - (s - part)) + (w - part)
    bits = s.view(np.int64)
    truncated = np.where((e < 0) != (s < 0), bits - 1, bits)
    return np.where((e != 0) & ~np.isnan(e), truncated | 1, bits).view(np.float64).astype(F)


def ort_sum(a, b, params, shift=0, swapped=False):
    """ORT's x86 QLinearAdd on code arrays a, b (every code and zero point `shift` up, the
    result down again), MLAS's first operand b where `swapped`: only to choose inputs;
    the references are ORT's own outputs."""
    sa, za, sb, zb, sc, zc = params
    za, zb, zc = za + shift, zb + shift, zc + shift
    a, b = a + shift, b + shift
    if swapped:
        a, b, sa, za, sb, zb = b, a, sb, zb, sa, za
    ra, rb = F(sa) / F(sc), F(sb) / F(sc)
    fixed = F(zc) - fma32(np.asarray(ra), np.asarray(F(za)), F(rb * F(zb)))
    v = fma32(a.astype(F), np.full(a.shape, ra), fma32(b.astype(F), np.full(b.shape, rb), np.full(a.shape, fixed)))
    lo, hi = (-128, 127) if shift == 0 else (0, 255)
    return np.clip(np.rint(v.astype(np.float64)), lo, hi).astype(np.int64) - shift


def code_pairs():
    codes = np.arange(-128, 128)
    return (g.ravel() for g in np.meshgrid(codes, codes))


def telling_pairs(params, tells):
    a, b = code_pairs()
    telling = tells(a, b, params)
    return a[telling], b[telling]


def order_tells(uint8):
    shift = 128 if uint8 else 0
    return lambda a, b, p: ort_sum(a, b, p, shift) != ort_sum(a, b, p, shift, swapped=True)


def uint8_tells(a, b, p):
    return ort_sum(a, b, p) != ort_sum(a, b, p, 128)


def telling_parameters(tells, seed):
    """The first parameters from default_rng(seed) with at least two telling code pairs
    (a few of the 65,536 tell, at most)."""
    rng = np.random.default_rng(seed)
    while True:
        sa, sb, sc = (float(F(rng.uniform(0.001, 0.05))) for _ in range(3))
        za, zb, zc = (int(z) for z in rng.integers(-60, 60, 3))
        params = (sa, za, sb, zb, sc, zc)
        if len(telling_pairs(params, tells)[0]) >= 2:
            return params


ORDER = telling_parameters(order_tells(False), 1)
ORDER_UINT8 = telling_parameters(order_tells(True), 2)
UINT8 = telling_parameters(uint8_tells, 3)


def pair(name, params, which, uint8):
    """Constants name_s / name_z of `params`' pair `which` (0: a, 1: b, 2: c)."""
    scale, zero_point = params[2 * which], params[2 * which + 1]
    kind = 'uint8' if uint8 else 'int8'
    return (f'  {name}s = Constant<value = float {{{scale!r}}}>()\n'
            f'  {name}z = Constant<value = {kind} {{{zero_point + (128 if uint8 else 0)}}}>()\n')


def qoperator_add(out, a, b, params, uint8, b_layout=None):
    """QuantizeLinear of a and b, com.microsoft.QLinearAdd, DequantizeLinear. `a` may be a
    constant's literal (int8 codes); b_layout: b quantised, then transposed by it."""
    text = pair(f'{out}a', params, 0, uint8) + pair(f'{out}b', params, 1, uint8) + pair(f'{out}c', params, 2, uint8)
    if a.startswith('int8'):
        text += f'  {out}qa = Constant<value = {a}>()\n'
    else:
        text += f'  {out}qa = QuantizeLinear({a}, {out}as, {out}az)\n'
    if b_layout:
        text += (f'  {out}qt = QuantizeLinear({b}, {out}bs, {out}bz)\n'
                 f'  {out}qb = Transpose<perm = {b_layout}>({out}qt)\n')
    else:
        text += f'  {out}qb = QuantizeLinear({b}, {out}bs, {out}bz)\n'
    return text + (f'  {out}q = com.microsoft.QLinearAdd({out}qa, {out}as, {out}az, {out}qb, {out}bs, {out}bz, {out}cs, '
                   f'{out}cz)\n'
                   f'  {out} = DequantizeLinear({out}q, {out}cs, {out}cz)\n')


def dequantized(name, x, params, which, uint8):
    return (pair(name, params, which, uint8) + f'  {name}q = QuantizeLinear({x}, {name}s, {name}z)\n'
            f'  {name}d = DequantizeLinear({name}q, {name}s, {name}z)\n')


def requantized(out, x, params, uint8):
    return (pair(f'{out}c', params, 2, uint8) + f'  {out}q = QuantizeLinear({x}, {out}cs, {out}cz)\n'
            f'  {out} = DequantizeLinear({out}q, {out}cs, {out}cz)\n')


def qdq_add(out, a, b, params, uint8, relu=None):
    text = dequantized(f'{out}a', a, params, 0, uint8) + dequantized(f'{out}b', b, params, 1, uint8)
    text += f'  {out}s = Add({out}ad, {out}bd)\n' + requantized(out, f'{out}s', params, uint8)
    if relu:
        text += f'  {relu} = Relu({out}ad)\n'
    return text


def residual_add(out, x, addend, params, uint8, addend_first):
    """Add of a 1x1 convolution's output (weight 1, y's pair x's: its codes) and the
    addend's, the convolution's pair the sum's a or b."""
    conv_pair, addend_pair = (1, 0) if addend_first else (0, 1)
    text = dequantized(f'{out}x', x, params, conv_pair, uint8) + dequantized(f'{out}e', addend, params, addend_pair, uint8)
    text += (f'  {out}w = Constant<value = int8[1,1,1,1] {{1}}>()\n'
             f'  {out}ws = Constant<value = float {{1.0}}>()\n'
             f'  {out}wz = Constant<value = int8 {{0}}>()\n'
             f'  {out}wd = DequantizeLinear({out}w, {out}ws, {out}wz)\n'
             f'  {out}k = Conv({out}xd, {out}wd)\n'
             f'  {out}kq = QuantizeLinear({out}k, {out}xs, {out}xz)\n'
             f'  {out}kd = DequantizeLinear({out}kq, {out}xs, {out}xz)\n')
    operands = f'{out}ed, {out}kd' if addend_first else f'{out}kd, {out}ed'
    return text + f'  {out}s = Add({operands})\n' + requantized(out, f'{out}s', params, uint8)


OVERFLOW = (10000.0, 0, 10000.0, 0, 0.0001, 0)


def constant_a():
    """add_e's constant a: ORDER's a code of the most order-telling pairs."""
    a, _ = telling_pairs(ORDER, order_tells(False))
    codes, counts = np.unique(a, return_counts=True)
    return int(codes[np.argmax(counts)])


ORDER_A = constant_a()


def model_text():
    body = (qoperator_add('add_a', 'qa', 'qb', HALVES, False) + qoperator_add('add_b', 'ua', 'ub', HALVES, True) +
            qoperator_add('add_c', 'ca', 'cb', ORDER, False) + qoperator_add('add_d', 'oa', 'ob', OVERFLOW, False) +
            qoperator_add('add_e', f'int8[1,8,1,1] {{{", ".join([str(ORDER_A)] * 8)}}}', 'tb', ORDER, False,
                          b_layout='[0, 3, 1, 2]') +
            qoperator_add('add_f', 'fa1', 'fb1', ORDER, False) + qoperator_add('add_g', 'ga1', 'gb1', ORDER, False) +
            qdq_add('qdq_a', 'da', 'db', UINT8, False) + qdq_add('qdq_b', 'ea', 'eb', HALVES, False, 'relu_b') +
            qdq_add('qdq_c', 'fa', 'fb', HALVES, True, 'relu_c') +
            residual_add('res_a', 'rx', 're', ORDER_UINT8, True, addend_first=True) +
            residual_add('res_b', 'sx', 'se', UINT8, False, addend_first=False))
    return f'''<ir_version: 8, opset_import: ["" : 13, "com.microsoft" : 1]>
qlinear_add (float[4,64] qa, float[4,64] qb, float[4,64] ua, float[4,1] ub, float[1,8,1,1] ca, float[1,8,4,4] cb, float[2,8] oa, float[2,8] ob, float[1,4,4,8] tb, float[1,4,1,1] fa1, float[1] fb1, float[1] ga1, float[1] gb1, float[4,64] da, float[4,64] db, float[4,64] ea, float[4,64] eb, float[4,64] fa, float[4,64] fb, float[1,1,4,8] rx, float[1,1,4,8] re, float[1,1,4,8] sx, float[1,1,4,8] se) => (float[4,64] add_a, float[4,64] add_b, float[1,8,4,4] add_c, float[2,8] add_d, float[1,8,4,4] add_e, float[1,4,1,1] add_f, float[1] add_g, float[4,64] qdq_a, float[4,64] qdq_b, float[4,64] relu_b, float[4,64] qdq_c, float[4,64] relu_c, float[1,1,4,8] res_a, float[1,1,4,8] res_b) {{
  # Each QuantizeLinear and DequantizeLinear pair its own (ORT would merge pairs alike).
{body}}}
'''


def values(codes, params, which):
    """Floats that QuantizeLinear makes int8 `codes` of with `params`' pair `which` (in a
    uint8 pair, zero point 128 up, the codes 128 up)."""
    scale, zero_point = params[2 * which], params[2 * which + 1]
    return ((codes - zero_point) * F(scale)).astype(F)


def designed_inputs(feeds, rng):
    """Codes: every code at random for add_a, add_b, qdq_b, qdq_c; telling pairs for
    add_c (order), qdq_a (uint8), res_a (order in uint8), res_b (uint8); add_d's near
    the ends of the range."""
    designed = {}
    for a, b, params in (('qa', 'qb', HALVES), ('ua', 'ub', HALVES), ('ea', 'eb', HALVES), ('fa', 'fb', HALVES),
                         ('oa', 'ob', OVERFLOW)):
        designed[a] = values(rng.integers(-128, 128, feeds[a].shape), params, 0)
        designed[b] = values(rng.integers(-128, 128, feeds[b].shape), params, 1)
    for a, b, params, tells in (('ca', 'cb', ORDER, order_tells(False)), ('da', 'db', UINT8, uint8_tells),
                                ('re', 'rx', ORDER_UINT8, order_tells(True)), ('sx', 'se', UINT8, uint8_tells)):
        ta, tb = telling_pairs(params, tells)
        if a == 'ca':  # a [1, 8, 1, 1] over b's rows: each channel one telling pair
            pick = rng.integers(0, len(ta), 8)
            designed[a] = values(ta[pick].reshape(1, 8, 1, 1), params, 0)
            designed[b] = values(np.broadcast_to(tb[pick].reshape(1, 8, 1, 1), (1, 8, 4, 4)), params, 1)
            continue
        pick = rng.integers(0, len(ta), feeds[a].shape)
        designed[a] = values(ta[pick], params, 0)
        designed[b] = values(tb[pick], params, 1)
    ta, tb = telling_pairs(ORDER, order_tells(False))
    b_codes = tb[ta == ORDER_A]
    designed['tb'] = values(b_codes[rng.integers(0, len(b_codes), feeds['tb'].shape)], ORDER, 1)
    pick = rng.integers(0, len(ta))
    designed['fa1'] = values(np.full(feeds['fa1'].shape, ta[pick]), ORDER, 0)
    designed['fb1'] = values(np.full(feeds['fb1'].shape, tb[pick]), ORDER, 1)
    pick = rng.integers(0, len(ta))
    designed['ga1'] = values(np.full(feeds['ga1'].shape, ta[pick]), ORDER, 0)
    designed['gb1'] = values(np.full(feeds['gb1'].shape, tb[pick]), ORDER, 1)
    return designed


def main():
    write_op_model('qlinear_add', model_text(), 4, designed_inputs)


if __name__ == '__main__':
    main()
