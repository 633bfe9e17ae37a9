#!/usr/bin/env python3
"""Exports a small MCU-style CNN with PyTorch's ONNX exporter (torch.onnx.export(dynamo=True),
opset 18) and writes tests/data/opset18/torch_cnn.onnx with its reference input and ONNX
Runtime output (issue #19: opsets 18+, IR 9/10, model-local functions).

The exporter inlines every module, so the two instances of the custom DWBlock module are
folded back into one model-local function (domain "local.torch", name "DWBlock"): the nodes
of each instance are found by the exporter's own node metadata (pkg.torch.onnx.name_scopes and
class_hierarchy), both instances must have the same nodes and wiring, their parameters become
function inputs, and an attribute whose value differs between the instances (LeakyRelu's
alpha: 0.1 and 0.2) becomes a function attribute, referenced in the body with ref_attr_name.
The checks: onnx.checker (full), ONNX Runtime on the function form equals ONNX Runtime on the
exporter's inlined form exactly, and both equal PyTorch's output within 1e-4.

Run with the venv of requirements.txt:
  /work/venv/onnx_current/bin/python tools/onnx_current/export_torch_model.py
"""
import os
import sys
import tempfile

import numpy as np
import onnx
import onnx.helper as oh
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refio  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "data", "opset18"))
NAME = "torch_cnn"
OPSET = 18
FUNCTION_DOMAIN = "local.torch"
SEED = 19


class DWBlock(nn.Module):
    """Depthwise 3x3 + BatchNorm + LeakyReLU, pointwise 1x1, residual add: used twice."""

    def __init__(self, channels, slope):
        super().__init__()
        self.dw = nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.pw = nn.Conv2d(channels, channels, 1)
        self.slope = slope

    def forward(self, x):
        y = F.leaky_relu(self.bn(self.dw(x)), self.slope)
        return x + self.pw(y)


class TinyCnn(nn.Module):
    """Conv+BN+ReLU stem, two DWBlocks, global average pool, LayerNorm, Linear, Softmax."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.block1 = DWBlock(8, 0.1)
        self.block2 = DWBlock(8, 0.2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.block2(self.block1(x))
        x = self.flatten(self.pool(x))
        return torch.softmax(self.fc(self.norm(x)), dim=-1)


def make_module():
    torch.manual_seed(SEED)
    module = TinyCnn()
    with torch.no_grad():  # BatchNorm/LayerNorm statistics that are not the identity
        for sub in module.modules():
            if isinstance(sub, (nn.BatchNorm2d, nn.LayerNorm)):
                sub.weight.uniform_(0.5, 1.5)
                sub.bias.uniform_(-0.5, 0.5)
            if isinstance(sub, nn.BatchNorm2d):
                sub.running_mean.uniform_(-0.5, 0.5)
                sub.running_var.uniform_(0.5, 2.0)
    return module.eval()


# --- folding the instances of one module back into a model-local function -------------------

def _metadata(node, key):
    for prop in node.metadata_props:
        if prop.key == key:
            return prop.value
    return None


def _instance_nodes(graph, class_name):
    """{scope: [node indices]} for every instance of class_name directly under the top module."""
    instances = {}
    for index, node in enumerate(graph.node):
        hierarchy = eval(_metadata(node, "pkg.torch.onnx.class_hierarchy") or "[]")  # a list literal
        scopes = eval(_metadata(node, "pkg.torch.onnx.name_scopes") or "[]")
        if len(hierarchy) > 1 and hierarchy[1] == class_name:
            instances.setdefault(scopes[1], []).append(index)
    return instances


def _signature(graph, indices, initializers):
    """The instance's inputs, parameters, outputs and a wiring-only description of its nodes."""
    produced, consumed_outside = set(), set()
    index_set = set(indices)
    for index in indices:
        produced.update(graph.node[index].output)
    for index, node in enumerate(graph.node):
        if index not in index_set:
            consumed_outside.update(node.input)
    consumed_outside.update(o.name for o in graph.output)
    inputs, params, local = [], [], {}
    for index in indices:
        for name in graph.node[index].input:
            if name == "" or name in produced or name in inputs or name in params:
                continue
            (params if name in initializers else inputs).append(name)
    outputs = [name for index in indices for name in graph.node[index].output if name in consumed_outside]
    for position, name in enumerate(inputs + params):
        local[name] = ("in", position)
    wiring = []
    for index in indices:
        node = graph.node[index]
        for position, name in enumerate(node.output):
            local[name] = ("node", index - indices[0], position)
        wiring.append((node.domain, node.op_type, tuple(local.get(n, n) for n in node.input),
                       tuple(sorted(a.name for a in node.attribute))))
    return inputs, params, outputs, wiring


def fold_into_function(model, class_name, function_name):
    graph = model.graph
    initializers = {init.name for init in graph.initializer}
    instances = _instance_nodes(graph, class_name)
    assert len(instances) >= 2, f"expected {class_name} at least twice, found {list(instances)}"
    scopes = list(instances)
    for scope in scopes:
        indices = instances[scope]
        assert indices == list(range(indices[0], indices[-1] + 1)), f"{scope}: nodes not contiguous"
    signatures = {scope: _signature(graph, instances[scope], initializers) for scope in scopes}
    first = signatures[scopes[0]]
    for scope in scopes[1:]:
        other = signatures[scope]
        assert [len(x) for x in other[:3]] == [len(x) for x in first[:3]] and other[3] == first[3], \
            f"{scope} differs in structure from {scopes[0]}"

    # Attributes whose value differs between instances become function attributes.
    template = [graph.node[i] for i in instances[scopes[0]]]
    varying = {}  # (node position, attribute name) -> function attribute name
    for position, node in enumerate(template):
        for attribute in node.attribute:
            values = []
            for scope in scopes:
                other = graph.node[instances[scope][position]]
                values.append(next(a for a in other.attribute if a.name == attribute.name).SerializeToString())
            if len(set(values)) > 1:
                varying[(position, attribute.name)] = attribute.name
    assert len(set(varying.values())) == len(varying), "two varying attributes share a name"

    # The body: instance 0's nodes, values renamed to the instance-independent names.
    inputs, params, outputs, _ = first
    prefix = scopes[0] + "."
    rename = {name: ("X" if len(inputs) == 1 else f"X{i}") for i, name in enumerate(inputs)}
    rename.update({name: name[len(prefix):].replace(".", "_") if name.startswith(prefix) else name
                   for name in params})
    rename.update({name: ("Y" if len(outputs) == 1 else f"Y{i}") for i, name in enumerate(outputs)})
    body = []
    for position, node in enumerate(template):
        for name in node.output:
            rename.setdefault(name, f"t{len(rename)}")
        attributes = []
        for attribute in node.attribute:
            if (position, attribute.name) in varying:
                reference = onnx.AttributeProto(name=attribute.name, type=attribute.type)
                reference.ref_attr_name = varying[(position, attribute.name)]
                attributes.append(reference)
            else:
                attributes.append(attribute)
        new = oh.make_node(node.op_type, [rename.get(n, n) for n in node.input],
                           [rename[n] for n in node.output], name=f"{function_name}_{node.op_type}_{position}",
                           domain=node.domain)
        new.attribute.extend(attributes)
        body.append(new)
    function = oh.make_function(
        FUNCTION_DOMAIN, function_name, [rename[n] for n in inputs + params], [rename[n] for n in outputs],
        body, opset_imports=[e for e in model.opset_import if e.domain != FUNCTION_DOMAIN],
        attributes=sorted(set(varying.values())))
    function.doc_string = (f"The {class_name} module of {TinyCnn.__name__}, folded back "
                           "from the exporter's inlined nodes; its parameters are inputs.")

    # Replace each instance's nodes with one call, at the position of its first node.
    calls = {}
    for scope in scopes:
        indices = instances[scope]
        s_inputs, s_params, s_outputs, _ = signatures[scope]
        call = oh.make_node(function_name, s_inputs + s_params, s_outputs, name=f"{scope}_{function_name}",
                            domain=FUNCTION_DOMAIN)
        for (position, attribute_name), function_attribute in varying.items():
            source = next(a for a in graph.node[indices[position]].attribute if a.name == attribute_name)
            copy = onnx.AttributeProto()
            copy.CopyFrom(source)
            copy.name = function_attribute
            call.attribute.append(copy)
        calls[indices[0]] = call
    folded = {i for scope in scopes for i in instances[scope]}
    nodes = []
    for index, node in enumerate(graph.node):
        if index in calls:
            nodes.append(calls[index])
        if index not in folded:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    # value_info of values now inside the function bodies would describe nothing in the graph.
    produced_in_graph = {name for node in graph.node for name in node.output}
    kept = [v for v in graph.value_info if v.name in produced_in_graph]
    del graph.value_info[:]
    graph.value_info.extend(kept)
    model.functions.append(function)
    model.opset_import.append(oh.make_opsetid(FUNCTION_DOMAIN, 1))
    return model


def strip_stack_traces(model):
    """The exporter records each node's Python stack trace with absolute paths of this machine."""
    for node in model.graph.node:
        kept = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
        del node.metadata_props[:]
        node.metadata_props.extend(kept)


def main():
    torch.set_num_threads(1)
    module = make_module()
    example = torch.zeros(1, 3, 16, 16)
    with tempfile.TemporaryDirectory() as tmp:
        inlined_path = os.path.join(tmp, "inlined.onnx")
        program = torch.onnx.export(module, (example,), dynamo=True, opset_version=OPSET,
                                    input_names=["input"], output_names=["probs"], verbose=False)
        program.save(inlined_path)
        model = onnx.load(inlined_path)
        strip_stack_traces(model)
        inputs = refio.make_inputs(model)
        inlined_out = refio.run_ort(inlined_path, inputs)

        model = fold_into_function(model, f"{DWBlock.__module__}.{DWBlock.__qualname__}", "DWBlock")
        model.producer_name = "pytorch " + torch.__version__ + " (torch.onnx.export dynamo=True)"
        model.doc_string = "tools/onnx_current/export_torch_model.py (issue #19)"
        onnx.checker.check_model(model, full_check=True)
        os.makedirs(OUT_DIR, exist_ok=True)
        path = os.path.join(OUT_DIR, NAME + ".onnx")
        onnx.save(model, path)

    assert model.functions and any(n.domain == FUNCTION_DOMAIN for n in model.graph.node)
    outputs = refio.run_ort(path, inputs)
    with torch.no_grad():
        expected = module(torch.from_numpy(next(iter(inputs.values())))).numpy()
    (name, got), = outputs.items()
    assert np.array_equal(got, inlined_out[name]), "function form differs from the inlined export"
    difference = float(np.max(np.abs(got - expected)))
    print(f"ORT vs PyTorch: max |difference| {difference:.3g} (atol 1e-4)")
    assert np.allclose(got, expected, rtol=0, atol=1e-4)
    refio.write_reference(OUT_DIR, NAME, inputs, outputs)
    refio.describe(path)
    print(f"output {name}: {np.array2string(got.ravel(), precision=6)}")


if __name__ == "__main__":
    main()
