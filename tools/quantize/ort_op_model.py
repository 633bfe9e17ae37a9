"""What the int8 op model generators share (make_byte_quad_lanes.py,
make_microsoft_ops.py): constants as ONNX text literals, and ONNX Runtime run on a
model's text for its references.

Writes tests/models/NAME.onnxtxt and ONNX Runtime's outputs on SAMPLES inputs,
tests/data/int8_ops/NAME.{inputs,ort_outputs}.bin (float32: each sample's inputs, then
its outputs, in graph order). Inputs uniform in [-1.5, 2.5) from numpy's
default_rng(seed), each sample's then passed through `designed` (name -> array) if given.
"""
import pathlib

import numpy as np
import onnx
import onnx.parser
import onnxruntime as ort

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = 4


def lit(a):
    return ', '.join(str(int(v)) for v in np.asarray(a).flatten())


def flit(a):
    return ', '.join(repr(float(v)) for v in np.asarray(a).flatten())


def write_op_model(name, text, seed, designed=None):
    (ROOT / f'tests/models/{name}.onnxtxt').write_text(text)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(onnx.parser.parse_model(text).SerializeToString(), options,
                                   providers=['CPUExecutionProvider'])
    rng = np.random.default_rng(seed)
    inputs, outputs = [], []
    for _ in range(SAMPLES):
        feeds = {i.name: rng.uniform(-1.5, 2.5, i.shape).astype(np.float32) for i in session.get_inputs()}
        if designed:
            feeds.update(designed(feeds, rng))
        inputs += [feeds[i.name].ravel() for i in session.get_inputs()]
        outputs += [o.astype(np.float32).ravel() for o in session.run(None, feeds)]
    data = ROOT / 'tests/data/int8_ops'
    data.mkdir(parents=True, exist_ok=True)
    np.concatenate(inputs).tofile(data / f'{name}.inputs.bin')
    np.concatenate(outputs).tofile(data / f'{name}.ort_outputs.bin')
