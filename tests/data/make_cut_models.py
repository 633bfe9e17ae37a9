#!/usr/bin/python3
"""Cut models for the --outputs / --inputs tests, made with ONNX's own extractor so that
ONNX Runtime can produce reference outputs for exactly the same cut
(tools/ort/make_references.js tests/data/cuts). Deterministic. Needs Debian's
python3-onnx and python3-numpy (a developer tool)."""
import json
import os

import numpy as np
import onnx.utils

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "..", "models")
OUT = os.path.join(HERE, "cuts")


def write(name, inputs, input_name, input_shape, output_name, output_shape):
    inputs.astype("<f4").tofile(os.path.join(OUT, name + ".inputs.bin"))
    with open(os.path.join(OUT, name + ".io.json"), "w") as f:
        json.dump({"model": name + ".onnx", "samples": len(inputs),
                   "input": {"name": input_name, "shape": input_shape},
                   "output": {"name": output_name, "shape": output_shape}}, f, indent=1)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    source = os.path.join(MODELS, "digits_cnn.onnx")
    images = np.fromfile(os.path.join(MODELS, "digits_cnn.inputs.bin"), dtype="<f4").reshape(-1, 64)
    # An intermediate activation of the frozen network: the first pooling layer's output.
    onnx.utils.extract_model(source, os.path.join(OUT, "digits_cnn_pool1.onnx"), ["image"], ["pool1"])
    write("digits_cnn_pool1", images, "image", [1, 1, 8, 8], "pool1", [1, 8, 4, 4])
    # Only the classifier head, run on precomputed features.
    onnx.utils.extract_model(source, os.path.join(OUT, "digits_cnn_head.onnx"), ["flat"], ["probs"])
    features = np.random.default_rng(7).uniform(0.0, 2.0, (8, 64))
    write("digits_cnn_head", features, "flat", [1, 64], "probs", [1, 10])
    # For --connect: the feature extractor alone, the MLP's hidden layer, and a head on
    # both concatenated (96 features).
    onnx.utils.extract_model(source, os.path.join(OUT, "digits_cnn_features.onnx"), ["image"], ["flat"])
    onnx.utils.extract_model(os.path.join(MODELS, "digits_mlp.onnx"), os.path.join(OUT, "digits_mlp_hidden.onnx"),
                             ["image"], ["relu1"])
    rng = np.random.default_rng(8)
    from onnx import TensorProto, helper, numpy_helper
    weight = numpy_helper.from_array(rng.normal(0, 0.2, (10, 96)).astype(np.float32), "w")
    bias = numpy_helper.from_array(rng.normal(0, 0.1, (10,)).astype(np.float32), "b")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["joined", "w", "b"], ["logits"], transB=1),
         helper.make_node("Softmax", ["logits"], ["probs"], axis=1)], "joint_head",
        [helper.make_tensor_value_info("joined", TensorProto.FLOAT, [1, 96])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])], [weight, bias])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="modelc-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, "joint_head.onnx"))


if __name__ == "__main__":
    main()
