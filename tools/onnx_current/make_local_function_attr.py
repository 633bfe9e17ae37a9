#!/usr/bin/env python3
"""Writes tests/data/opset18/local_function_attr.onnx with its reference input and ONNX
Runtime output (issue #19). Built with onnx.helper: IR version 9, opset 18, and

  - a model-local function custom.fn::ScaledLeakyRelu(X) with attributes alpha (no default)
    and scale (default 1.5, FunctionProto.attribute_proto): Y = LeakyRelu(X, alpha=@alpha) *
    Constant(value_float=@scale); it is called twice, with alpha 0.1 (scale left at its
    default) and with alpha 0.3, scale 0.5;
  - ReduceMean with its axes as an input (the opset 18 form), axes [2, -1], keepdims 1;
  - Split with num_outputs (opset 18) on 5 channels: an uneven split into 3 and 2.

Checks: onnx.checker (full), and ONNX Runtime's output equals, within 1e-5, the same model
written out in numpy (below). ONNX's own tools cannot check it in onnx 1.23.2: its reference
evaluator rejects the function form (LeakyRelu there does not accept linked attributes), and
onnx.inliner drops the attribute_proto default (the first call's Constant ends up with no
value), which ONNX Runtime then refuses to load; main() shows both.
"""
import os
import sys
import tempfile

import numpy as np
import onnx
import onnx.helper as oh
import onnx.inliner
import onnxruntime
from onnx import TensorProto
from onnx.reference import ReferenceEvaluator

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refio  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "data", "opset18"))
NAME = "local_function_attr"
DOMAIN = "custom.fn"


def attribute_reference(name, attribute_type, ref_attr_name):
    attribute = onnx.AttributeProto(name=name, type=attribute_type)
    attribute.ref_attr_name = ref_attr_name
    return attribute


def scaled_leaky_relu():
    leaky = oh.make_node("LeakyRelu", ["X"], ["leaky"])
    leaky.attribute.append(attribute_reference("alpha", onnx.AttributeProto.FLOAT, "alpha"))
    scale = oh.make_node("Constant", [], ["scale"])
    scale.attribute.append(attribute_reference("value_float", onnx.AttributeProto.FLOAT, "scale"))
    multiply = oh.make_node("Mul", ["leaky", "scale"], ["Y"])
    function = oh.make_function(DOMAIN, "ScaledLeakyRelu", ["X"], ["Y"], [leaky, scale, multiply],
                                opset_imports=[oh.make_opsetid("", 18)], attributes=["alpha"],
                                attribute_protos=[oh.make_attribute("scale", 1.5)])
    function.doc_string = "LeakyRelu(X, alpha) * scale; scale defaults to 1.5"
    return function


def make_model():
    shape = [1, 5, 6, 8]
    nodes = [
        oh.make_node("ScaledLeakyRelu", ["input"], ["act1"], name="act1", domain=DOMAIN, alpha=0.1),
        oh.make_node("ScaledLeakyRelu", ["act1"], ["act2"], name="act2", domain=DOMAIN, alpha=0.3, scale=0.5),
        oh.make_node("ReduceMean", ["act2", "axes"], ["mean"], name="mean", keepdims=1),
        oh.make_node("Split", ["act2"], ["split_a", "split_b"], name="split", axis=1, num_outputs=2),
    ]
    graph = oh.make_graph(
        nodes, "local_function_attr",
        [oh.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
        [oh.make_tensor_value_info("mean", TensorProto.FLOAT, [1, 5, 1, 1]),
         oh.make_tensor_value_info("split_a", TensorProto.FLOAT, [1, 3, 6, 8]),
         oh.make_tensor_value_info("split_b", TensorProto.FLOAT, [1, 2, 6, 8])],
        initializer=[oh.make_tensor("axes", TensorProto.INT64, [2], [2, -1])])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18), oh.make_opsetid(DOMAIN, 1)],
                          functions=[scaled_leaky_relu()], ir_version=9,
                          producer_name="tools/onnx_current/make_local_function_attr.py")
    model.doc_string = "Issue #19: a model-local function with attribute references and a default; " \
                       "opset 18 ReduceMean (axes input) and Split (num_outputs)"
    return model


def numpy_model(x):
    def scaled_leaky_relu(v, alpha, scale=1.5):
        return np.where(v < 0, alpha * v, v) * np.float32(scale)
    act = scaled_leaky_relu(scaled_leaky_relu(x, np.float32(0.1)), np.float32(0.3), 0.5)
    return {"mean": act.mean(axis=(2, 3), keepdims=True), "split_a": act[:, :3], "split_b": act[:, 3:]}


def show_onnx_tool_problems(model, inputs):
    try:
        ReferenceEvaluator(model).run(None, inputs)
        print("onnx.reference runs the function form")
    except Exception as error:  # noqa: BLE001 - reporting whatever it raises
        print(f"onnx.reference on the function form fails: {type(error).__name__}: {str(error)[:120]}")
    inlined = onnx.inliner.inline_local_functions(model)
    constants = [n for n in inlined.graph.node if n.op_type == "Constant"]
    print(f"onnx.inliner: the inlined Constants have attributes {[len(n.attribute) for n in constants]}")
    with tempfile.TemporaryDirectory() as tmp:
        inlined_path = os.path.join(tmp, "inlined.onnx")
        onnx.save(inlined, inlined_path)
        try:
            refio.run_ort(inlined_path, inputs)
            print("ONNX Runtime loads the inlined model")
        except onnxruntime.capi.onnxruntime_pybind11_state.Fail as error:
            print(f"ONNX Runtime refuses the inlined model: ...{str(error).splitlines()[-1][-70:]}")


def main():
    model = make_model()
    onnx.checker.check_model(model, full_check=True)
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, NAME + ".onnx")
    onnx.save(model, path)

    inputs = refio.make_inputs(model)
    outputs = refio.run_ort(path, inputs)
    expected = numpy_model(next(iter(inputs.values())))
    for name, got in outputs.items():
        assert got.shape == expected[name].shape, (name, got.shape, expected[name].shape)
        difference = float(np.max(np.abs(got - expected[name])))
        print(f"{name}: ORT vs numpy: max |difference| {difference:.3g} (atol 1e-5)")
        assert np.allclose(got, expected[name], rtol=0, atol=1e-5)
    show_onnx_tool_problems(model, inputs)
    refio.write_reference(OUT_DIR, NAME, inputs, outputs)
    refio.describe(path)


if __name__ == "__main__":
    main()
