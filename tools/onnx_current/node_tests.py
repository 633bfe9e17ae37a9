#!/usr/bin/env python3
"""ONNX backend node tests of the installed onnx release, for modelc's conformance runner
(issue #19).

  node_tests.py extract OUT_DIR
      Writes every node test as OUT_DIR/TEST/model.onnx and OUT_DIR/TEST/test_data_set_N/
      input_J.pb, output_J.pb: the layout of Debian's libonnx-testdata (data/node), which
      tests/conformance/conformance_runner.cc reads. The onnx wheel (and sdist) of 1.23.2 ship
      no node test data, only the test cases that make it (onnx/backend/test/case/node/*.py:
      each builds the model and computes the expected outputs with numpy or ONNX's reference
      evaluator). So the data is generated from those cases and written by ONNX's own writer
      (onnx.backend.test.cmd_tools.generate_data, the code behind `backend-test-tools
      generate-data`, which in this release writes only the model tests), with numpy's
      global random generator seeded so that the same release gives the same bytes.
      OUT_DIR must not exist, or must be empty.

  node_tests.py classify DIR [--excluded FILE] [--version-file FILE]
      Decides for each test in DIR whether issue #19's rule excludes it ("not about training,
      strings, sequences, optionals or float16/bfloat16/float8"), from the model alone: any
      graph input, output, initializer, value (after shape inference), attribute tensor or
      type attribute (Cast's to, dtype, ...) of type string, float16, bfloat16, float8*,
      float4, int4/uint4, int2/uint2, or of sequence, optional, map or sparse type; a sequence
      or optional operator (SequenceAt, OptionalHasElement, ...: some of their tests have
      only tensors at the graph's edges); a training operator (Gradient, Adagrad, Adam,
      Momentum) or the ai.onnx.preview.training domain; Dropout or BatchNormalization in
      training mode (Dropout's training_mode input given, BatchNormalization's attribute 1).
      Nested graphs (If, Loop, Scan) and model-local functions are searched too. ai.onnx.ml
      tests are not excluded unless one of these holds. Writes the excluded tests, one per line as
      NAME<TAB>reason, to --excluded (default tests/conformance/excluded-current.txt) and the
      onnx version to --version-file (default tests/conformance/onnx-current-version.txt),
      and prints the counts and the histogram of the remaining tests' default-domain opsets.

  node_tests.py pack DIR [--excluded FILE] [--out FILE]
      Writes the tests of DIR that the rule keeps (those not in --excluded) as one
      reproducible tar.xz (sorted names, no times or owners), default
      tests/data/onnx_node_current.tar.xz: what the conformance test runs, so that the test
      command needs no Python.

Run with the venv of requirements.txt.
"""
import argparse
import collections
import os
import sys
import types

import onnx
from onnx import TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
SEED = 0

_EXCLUDED_ELEMENT_TYPES = {
    getattr(TensorProto, name): name.lower()
    for name in ["STRING", "FLOAT16", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
                 "FLOAT8E5M2FNUZ", "FLOAT8E8M0", "FLOAT4E2M1", "INT4", "UINT4", "INT2", "UINT2"]
    if hasattr(TensorProto, name)
}
_TRAINING_OPS = {"Gradient", "Adagrad", "Adam", "Momentum"}
_TRAINING_DOMAIN = "ai.onnx.preview.training"
_SEQUENCE_OPS = {"SequenceConstruct", "SequenceEmpty", "SequenceAt", "SequenceInsert", "SequenceErase",
                 "SequenceLength", "SequenceMap", "SplitToSequence", "ConcatFromSequence"}
_OPTIONAL_OPS = {"Optional", "OptionalHasElement", "OptionalGetElement"}
_TYPE_ATTRIBUTES = {"to", "dtype", "output_dtype", "stash_type"}  # element-type-valued int attributes


# --- extract ---------------------------------------------------------------------------------

def extract(out_dir):
    import numpy as np
    import onnx.backend.test.case.node as node_cases
    from onnx.backend.test import cmd_tools

    if os.path.exists(out_dir) and os.listdir(out_dir):
        sys.exit(f"{out_dir} exists and is not empty")
    np.random.seed(SEED)  # the cases draw their inputs from numpy's global generator
    cases = [case for case in node_cases.collect_testcases() if case.kind == "node"]
    # generate_data writes the cases model_test.collect_testcases() returns, each to
    # OUTPUT/KIND/NAME; hand it the node cases instead and strip the "node" level after.
    staging = out_dir.rstrip("/") + ".staging"
    cmd_tools.model_test = types.SimpleNamespace(collect_testcases=lambda: cases)
    cmd_tools.generate_data(argparse.Namespace(output=staging))
    os.makedirs(os.path.dirname(os.path.abspath(out_dir)), exist_ok=True)
    if os.path.exists(out_dir):
        os.rmdir(out_dir)
    os.rename(os.path.join(staging, "node"), out_dir)
    os.rmdir(staging)
    print(f"onnx {onnx.__version__}: {len(cases)} node tests written to {out_dir}")


# --- classify --------------------------------------------------------------------------------

def _type_problem(type_proto):
    kind = type_proto.WhichOneof("value")
    if kind == "tensor_type":
        return _EXCLUDED_ELEMENT_TYPES.get(type_proto.tensor_type.elem_type)
    if kind in ("sequence_type", "optional_type", "map_type"):
        return kind.replace("_type", "")
    if kind == "sparse_tensor_type":
        return "sparse tensor"
    return None


def _graph_problems(graph, found):
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        problem = _type_problem(value.type)
        if problem:
            found.add(problem)
    for tensor in graph.initializer:
        if tensor.data_type in _EXCLUDED_ELEMENT_TYPES:
            found.add(_EXCLUDED_ELEMENT_TYPES[tensor.data_type])
    if graph.sparse_initializer:
        found.add("sparse tensor")
    _nodes_problems(graph.node, found)


def _nodes_problems(nodes, found):
    for node in nodes:
        if node.domain == _TRAINING_DOMAIN or node.op_type in _TRAINING_OPS:
            found.add(f"training op {node.op_type}")
        if node.domain in ("", "ai.onnx") and node.op_type in _SEQUENCE_OPS:
            found.add("sequence")
        if node.domain in ("", "ai.onnx") and node.op_type in _OPTIONAL_OPS:
            found.add("optional")
        if node.op_type == "Dropout" and len(node.input) >= 3 and node.input[2]:
            found.add("Dropout in training mode")
        if node.op_type == "BatchNormalization" and any(
                a.name == "training_mode" and a.i != 0 for a in node.attribute):
            found.add("BatchNormalization in training mode")
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.TENSOR and attribute.t.data_type in _EXCLUDED_ELEMENT_TYPES:
                found.add(_EXCLUDED_ELEMENT_TYPES[attribute.t.data_type])
            if attribute.type in (onnx.AttributeProto.SPARSE_TENSOR, onnx.AttributeProto.SPARSE_TENSORS):
                found.add("sparse tensor")
            if attribute.type in (onnx.AttributeProto.STRING, onnx.AttributeProto.STRINGS) and \
                    attribute.name in ("value_string", "value_strings"):
                found.add("string")
            if attribute.type == onnx.AttributeProto.TYPE_PROTO:
                problem = _type_problem(attribute.tp)
                if problem:
                    found.add(problem)
            if attribute.type == onnx.AttributeProto.INT and attribute.name in _TYPE_ATTRIBUTES and \
                    attribute.i in _EXCLUDED_ELEMENT_TYPES:
                found.add(_EXCLUDED_ELEMENT_TYPES[attribute.i])
            if attribute.type == onnx.AttributeProto.GRAPH:
                _graph_problems(attribute.g, found)
            for graph in attribute.graphs:
                _graph_problems(graph, found)


def _default_opset(model):
    versions = [entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")]
    return max(versions) if versions else None


def classify_model(path):
    """(sorted reasons, default-domain opset) for one model."""
    model = onnx.load(path)
    found = set()
    try:  # shape inference adds the types of intermediate values (value_info)
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - a model ONNX cannot infer is classified as it is
        inferred = model
    _graph_problems(inferred.graph, found)
    for function in inferred.functions:
        if function.domain == _TRAINING_DOMAIN:
            found.add("training domain function")
        _nodes_problems(function.node, found)
        for value in function.value_info:
            problem = _type_problem(value.type)
            if problem:
                found.add(problem)
    return sorted(found), _default_opset(model)


def classify(data_dir, excluded_path, version_path):
    tests = sorted(name for name in os.listdir(data_dir)
                   if os.path.isfile(os.path.join(data_dir, name, "model.onnx")))
    excluded, remaining_opsets, reasons = [], collections.Counter(), collections.Counter()
    for name in tests:
        found, opset = classify_model(os.path.join(data_dir, name, "model.onnx"))
        if found:
            excluded.append((name, ", ".join(found)))
            reasons.update(found)
        else:
            remaining_opsets[opset] += 1
        print(f"{name}\t{'excluded: ' + ', '.join(found) if found else 'kept'}\topset {opset}")
    with open(excluded_path, "w") as f:
        f.write(f"# ONNX {onnx.__version__} node tests that issue #19's rule excludes (training, strings, sequences,\n"
                "# optionals, float16/bfloat16/float8 and other small floats and ints): NAME<TAB>reason.\n"
                "# Written by tools/onnx_current/node_tests.py classify; do not edit by hand.\n")
        for name, reason in excluded:
            f.write(f"{name}\t{reason}\n")
    with open(version_path, "w") as f:
        f.write(onnx.__version__ + "\n")
    print(f"\nonnx {onnx.__version__}: {len(tests)} tests, {len(excluded)} excluded, "
          f"{len(tests) - len(excluded)} remaining")
    print("exclusion reasons (a test can have several):")
    for reason, count in reasons.most_common():
        print(f"  {reason}: {count}")
    print("remaining tests by default-domain opset (the model's opset_import):")
    for opset in sorted(remaining_opsets, key=lambda v: (v is None, v)):
        label = f"opset {opset}" if opset is not None else "no default-domain import (ai.onnx.ml only)"
        print(f"  {label}: {remaining_opsets[opset]}")


# --- pack ------------------------------------------------------------------------------------

def pack(data_dir, excluded_path, out_path):
    import io
    import lzma
    import tarfile

    excluded = set()
    with open(excluded_path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                excluded.add(line.split("\t")[0].strip())
    tests = sorted(name for name in os.listdir(data_dir)
                   if os.path.isfile(os.path.join(data_dir, name, "model.onnx")) and name not in excluded)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in tests:
            for root, dirs, files in sorted(os.walk(os.path.join(data_dir, name))):
                dirs.sort()
                for file in sorted(files):
                    path = os.path.join(root, file)
                    info = tarfile.TarInfo(os.path.relpath(path, data_dir))
                    info.size = os.path.getsize(path)
                    info.mode = 0o644
                    with open(path, "rb") as data:
                        tar.addfile(info, data)
    with open(out_path, "wb") as f:
        f.write(lzma.compress(buffer.getvalue(), preset=9 | lzma.PRESET_EXTREME))
    print(f"{len(tests)} tests ({len(excluded)} excluded) -> {out_path}, {os.path.getsize(out_path)} bytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    extract_parser = commands.add_parser("extract", help="write the node tests of the installed onnx")
    extract_parser.add_argument("out_dir")
    classify_parser = commands.add_parser("classify", help="list the tests issue #19's rule excludes")
    classify_parser.add_argument("dir")
    classify_parser.add_argument("--excluded", default=os.path.join(REPO, "tests", "conformance",
                                                                    "excluded-current.txt"))
    classify_parser.add_argument("--version-file", default=os.path.join(REPO, "tests", "conformance",
                                                                        "onnx-current-version.txt"))
    pack_parser = commands.add_parser("pack", help="write the kept tests as one reproducible tar.xz")
    pack_parser.add_argument("dir")
    pack_parser.add_argument("--excluded", default=os.path.join(REPO, "tests", "conformance", "excluded-current.txt"))
    pack_parser.add_argument("--out", default=os.path.join(REPO, "tests", "data", "onnx_node_current.tar.xz"))
    args = parser.parse_args()
    if args.command == "extract":
        extract(args.out_dir)
    elif args.command == "pack":
        pack(args.dir, args.excluded, args.out)
    else:
        classify(args.dir, args.excluded, args.version_file)


if __name__ == "__main__":
    main()
