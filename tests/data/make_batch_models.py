#!/usr/bin/python3
"""A dynamic-batch copy of the shipped digits_mlp (first dimension 'N') for the --batch
test; ONNX Runtime then runs all 8 test images as one batch of 8
(tools/ort/make_references.js tests/data/batch). Needs Debian's python3-onnx."""
import json
import os
import shutil

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "..", "models")
OUT = os.path.join(HERE, "batch")


def main():
    os.makedirs(OUT, exist_ok=True)
    model = onnx.load(os.path.join(MODELS, "digits_mlp.onnx"))
    for value in list(model.graph.input) + list(model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "N"
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, "digits_mlp_batch.onnx"))
    shutil.copy(os.path.join(MODELS, "digits_mlp.inputs.bin"), os.path.join(OUT, "digits_mlp_batch.inputs.bin"))
    with open(os.path.join(OUT, "digits_mlp_batch.io.json"), "w") as f:
        json.dump({"model": "digits_mlp_batch.onnx", "samples": 1,
                   "input": {"name": "image", "shape": [8, 64]},
                   "output": {"name": "probs", "shape": [8, 10]}}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
