"""Writes a model's reference input and ONNX Runtime output in the format of shared/models:
NAME.input.bin and NAME.ort_out.bin (raw little-endian tensors, concatenated at the byte
offsets NAME.io.json lists, with names, types and shapes), and prints a model's structure.
Used by export_torch_model.py and make_local_function_attr.py."""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort

INPUT_SEED = 12345
PRNG = "numpy.random.default_rng(12345).uniform(-1, 1), float32, inputs in graph order"

_TYPE_NAMES = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64",
               np.dtype(np.int32): "int32", np.dtype(np.uint8): "uint8", np.dtype(np.int8): "int8"}


def make_inputs(model):
    """One deterministic uniform [-1, 1) float32 tensor per graph input (static shapes only)."""
    rng = np.random.default_rng(INPUT_SEED)
    initializers = {init.name for init in model.graph.initializer}
    inputs = {}
    for value in model.graph.input:
        if value.name in initializers:
            continue
        assert value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT, value.name
        dims = [d.dim_value for d in value.type.tensor_type.shape.dim]
        assert all(d > 0 for d in dims), f"{value.name}: shape {dims} is not static"
        inputs[value.name] = rng.uniform(-1.0, 1.0, size=dims).astype(np.float32)
    return inputs


def run_ort(path, inputs):
    """ONNX Runtime on the CPU, one thread, default graph optimisations (ORT_ENABLE_ALL)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, inputs)))


def _entries(tensors):
    entries, offset = [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        entries.append({"name": name, "type": _TYPE_NAMES[array.dtype], "dims": list(array.shape),
                        "offset": offset, "bytes": array.nbytes})
        offset += array.nbytes
    return entries


def _write_bin(path, tensors):
    with open(path, "wb") as f:
        for array in tensors.values():
            f.write(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes())


def write_reference(out_dir, name, inputs, outputs):
    """NAME.input.bin, NAME.ort_out.bin and NAME.io.json, as in shared/models."""
    _write_bin(os.path.join(out_dir, name + ".input.bin"), inputs)
    _write_bin(os.path.join(out_dir, name + ".ort_out.bin"), outputs)
    io = {"model": name + ".onnx", "ort_version": ort.__version__, "input_seed": INPUT_SEED,
          "prng": PRNG, "inputs": _entries(inputs), "outputs": _entries(outputs)}
    with open(os.path.join(out_dir, name + ".io.json"), "w") as f:
        json.dump(io, f, indent=1)
        f.write("\n")


def _opsets(opset_import):
    return {entry.domain or "ai.onnx": entry.version for entry in opset_import}


def _op_types(nodes):
    seen = []
    for node in nodes:
        op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}::{node.op_type}"
        if op not in seen:
            seen.append(op)
    return seen


def describe(path):
    """Prints the facts issue #19 asks for: opsets, IR version, functions and op types."""
    model = onnx.load(path)
    print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes")
    print(f"  ir_version {model.ir_version}, opset_import {_opsets(model.opset_import)}")
    print(f"  main graph ops: {_op_types(model.graph.node)}")
    print(f"  functions: {len(model.functions)}")
    for function in model.functions:
        attributes = list(function.attribute) + [f"{a.name}={onnx.helper.get_attribute_value(a)!r} (default)"
                                                 for a in function.attribute_proto]
        print(f"    {function.domain}::{function.name}, opset_import {_opsets(function.opset_import)}, "
              f"inputs {list(function.input)}, outputs {list(function.output)}, attributes {attributes}")
        refs = [f"{n.op_type}.{a.name}=@{a.ref_attr_name}" for n in function.node for a in n.attribute
                if a.ref_attr_name]
        print(f"      ops: {_op_types(function.node)}; attribute references: {refs}")
