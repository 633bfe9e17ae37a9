#!/usr/bin/env python3
"""Weight-only int8 versions of float ONNX models, and ONNX Runtime's outputs on them: the
references modelc's --weights-int8 keep (Int8WeightsMatMul) is tested against.

Each Gemm / MatMul weight initializer becomes int8 (symmetric, per output channel: scale
= max |w| / 127 of that channel, zero point 0, as ONNX Runtime's quantiser makes weights)
behind a DequantizeLinear; activations stay float. For NAME.onnx with NAME.io.json and
NAME.inputs.bin in FOLDER, writes NAME_weight_only.onnx and
NAME_weight_only.ort_outputs.bin (ORT's output, float32, for each sample of
NAME.inputs.bin).

  python3 -m venv .venv && .venv/bin/pip install -r tools/quantize/requirements.txt
  .venv/bin/python tools/quantize/weight_only.py models digits_mlp
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

from quantize_models import run_ort


def quantize_weights(model):
    weights = {i.name: i for i in model.graph.initializer}
    nodes = []
    for node in model.graph.node:
        if node.op_type in ("Gemm", "MatMul") and node.input[1] in weights:
            w = numpy_helper.to_array(weights[node.input[1]]).astype(np.float32)
            trans_b = any(a.name == "transB" and a.i for a in node.attribute)
            axis = 0 if trans_b else 1  # the output channel's axis of B
            scale = np.abs(w).max(axis=1 - axis) / 127.0
            scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
            shaped = scale.reshape((-1, 1) if axis == 0 else (1, -1))
            q = np.clip(np.rint(w / shaped), -127, 127).astype(np.int8)
            name = node.input[1]
            model.graph.initializer.remove(weights[name])
            model.graph.initializer.extend([numpy_helper.from_array(q, name + "_int8"),
                                            numpy_helper.from_array(scale, name + "_scale"),
                                            numpy_helper.from_array(np.zeros_like(scale, np.int8), name + "_zero_point")])
            nodes.append(helper.make_node("DequantizeLinear", [name + "_int8", name + "_scale", name + "_zero_point"],
                                          [name], axis=axis, name=name + "_DequantizeLinear"))
        nodes.append(node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model


def main(folder, name):
    manifest = json.load(open(os.path.join(folder, name + ".io.json")))
    shape = manifest["input"]["shape"]
    data = np.fromfile(os.path.join(folder, name + ".inputs.bin"), dtype=np.float32)
    samples = [s.reshape(shape) for s in data.reshape(-1, int(np.prod(shape)))]
    model = quantize_weights(onnx.load(os.path.join(folder, name + ".onnx")))
    onnx.checker.check_model(model)
    path = os.path.join(folder, name + "_weight_only.onnx")
    onnx.save(model, path)
    outputs = run_ort(path, manifest["input"]["name"], samples)
    np.concatenate([o.reshape(-1) for o in outputs]).astype(np.float32).tofile(
        os.path.join(folder, name + "_weight_only.ort_outputs.bin"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
