#!/usr/bin/python3
"""Generates the benchmark's MLPerf-Tiny-style networks as ONNX models with random
weights (the benchmark measures speed and checks modelc against ONNX Runtime on the
same model, so trained weights are not needed):

  kws_ds_cnn          keyword spotting DS-CNN: 49x10 MFCC, Conv 10x4/2 (64), four
                      depthwise 3x3 + pointwise blocks, average pool, 12 classes
  resnet8_cifar       ResNet-8 for CIFAR-10: 32x32x3, three residual stacks (16, 32, 64)
  mobilenet_v1_025_vww96  MobileNetV1 width 0.25 for visual wake words at 96x96x3
  fc_autoencoder      anomaly detection: 640 -> 4 x Gemm(128)+BN+Relu -> 8 -> 4 x
                      Gemm(128)+BN+Relu -> 640
  mlp_mnist           784 -> 256 -> 128 -> 10 with Softmax
  lenet5              32x32 -> Conv 5x5 (6) -> MaxPool -> Conv 5x5 (16) -> MaxPool ->
                      120 -> 84 -> 10

Convolutions and Gemms are followed by BatchNormalization where the reference models
have it, as exporters leave them. Writes NAME.onnx and NAME.input.bin (one random input,
raw float32) per model into the folder given (default: build/benchmark/generated).
Deterministic: a fixed seed. Needs Debian's python3-onnx and python3-numpy.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(20261122)


class Builder:
    """Collects nodes and initializers; names are generated from a counter."""

    def __init__(self, name):
        self.name = name
        self.nodes, self.initializers, self.count = [], [], 0

    def fresh(self, stem):
        self.count += 1
        return f"{stem}_{self.count}"

    def constant(self, stem, array):
        name = self.fresh(stem)
        self.initializers.append(numpy_helper.from_array(array.astype(np.float32), name))
        return name

    def op(self, op_type, inputs, **attributes):
        output = self.fresh(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=output + "_node", **attributes))
        return output

    def batchnorm(self, x, channels):
        scale = self.constant("bn_scale", rng.uniform(0.5, 1.5, channels))
        bias = self.constant("bn_bias", rng.uniform(-0.2, 0.2, channels))
        mean = self.constant("bn_mean", rng.uniform(-0.1, 0.1, channels))
        var = self.constant("bn_var", rng.uniform(0.5, 1.5, channels))
        return self.op("BatchNormalization", [x, scale, bias, mean, var], epsilon=1e-3)

    def conv(self, x, in_channels, out_channels, kernel, stride=1, pads=None, group=1, bn=True, relu=True):
        kh, kw = kernel
        fan_in = in_channels // group * kh * kw
        w = self.constant("w", rng.standard_normal((out_channels, in_channels // group, kh, kw)) * np.sqrt(2.0 / fan_in))
        b = self.constant("b", rng.uniform(-0.1, 0.1, out_channels))
        if pads is None:
            pads = [(kh - 1) // 2, (kw - 1) // 2, kh // 2, kw // 2] if stride == 1 else [(kh - 1) // 2, (kw - 1) // 2] * 2
        y = self.op("Conv", [x, w, b], kernel_shape=[kh, kw], strides=[stride, stride], pads=pads, group=group)
        if bn:
            y = self.batchnorm(y, out_channels)
        return self.op("Relu", [y]) if relu else y

    def gemm(self, x, inputs, outputs, bn=False, relu=False):
        w = self.constant("fc_w", rng.standard_normal((outputs, inputs)) * np.sqrt(2.0 / inputs))
        b = self.constant("fc_b", rng.uniform(-0.1, 0.1, outputs))
        y = self.op("Gemm", [x, w, b], transB=1)
        if bn:
            y = self.batchnorm(y, outputs)
        return self.op("Relu", [y]) if relu else y

    def model(self, x_shape, y, y_shape):
        graph = helper.make_graph(self.nodes, self.name,
                                  [helper.make_tensor_value_info("input", TensorProto.FLOAT, x_shape)],
                                  [helper.make_tensor_value_info(y, TensorProto.FLOAT, y_shape)], self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="modelc-benchmark")
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


def ds_cnn():
    b = Builder("kws_ds_cnn")
    x = b.conv("input", 1, 64, (10, 4), stride=2, pads=[4, 1, 5, 1])
    for _ in range(4):
        x = b.conv(x, 64, 64, (3, 3), group=64)
        x = b.conv(x, 64, 64, (1, 1))
    x = b.op("AveragePool", [x], kernel_shape=[25, 5])
    x = b.op("Flatten", [x])
    y = b.op("Softmax", [b.gemm(x, 64, 12)], axis=1)
    return b.model([1, 1, 49, 10], y, [1, 12])


def resnet8():
    b = Builder("resnet8_cifar")
    x = b.conv("input", 3, 16, (3, 3))
    channels = 16
    for out_channels, stride in [(16, 1), (32, 2), (64, 2)]:
        y = b.conv(x, channels, out_channels, (3, 3), stride=stride)
        y = b.conv(y, out_channels, out_channels, (3, 3), relu=False)
        shortcut = x if stride == 1 else b.conv(x, channels, out_channels, (1, 1), stride=stride, pads=[0, 0, 0, 0],
                                                bn=False, relu=False)
        x = b.op("Relu", [b.op("Add", [y, shortcut])])
        channels = out_channels
    x = b.op("Flatten", [b.op("AveragePool", [x], kernel_shape=[8, 8])])
    y = b.op("Softmax", [b.gemm(x, 64, 10)], axis=1)
    return b.model([1, 3, 32, 32], y, [1, 10])


def mobilenet_v1_025():
    b = Builder("mobilenet_v1_025_vww96")
    x = b.conv("input", 3, 8, (3, 3), stride=2)
    channels = 8
    for out_channels, stride in [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (128, 1),
                                 (128, 1), (128, 1), (128, 1), (256, 2), (256, 1)]:
        x = b.conv(x, channels, channels, (3, 3), stride=stride, group=channels)
        x = b.conv(x, channels, out_channels, (1, 1))
        channels = out_channels
    x = b.op("Flatten", [b.op("AveragePool", [x], kernel_shape=[3, 3])])
    y = b.op("Softmax", [b.gemm(x, 256, 2)], axis=1)
    return b.model([1, 3, 96, 96], y, [1, 2])


def fc_autoencoder():
    b = Builder("fc_autoencoder")
    x, width = "input", 640
    for units in [128, 128, 128, 128, 8, 128, 128, 128, 128]:
        x = b.gemm(x, width, units, bn=True, relu=True)
        width = units
    return b.model([1, 640], b.gemm(x, width, 640), [1, 640])


def mlp():
    b = Builder("mlp_mnist")
    x = b.gemm("input", 784, 256, relu=True)
    x = b.gemm(x, 256, 128, relu=True)
    y = b.op("Softmax", [b.gemm(x, 128, 10)], axis=1)
    return b.model([1, 784], y, [1, 10])


def lenet5():
    b = Builder("lenet5")
    x = b.conv("input", 1, 6, (5, 5), pads=[0, 0, 0, 0], bn=False)
    x = b.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = b.conv(x, 6, 16, (5, 5), pads=[0, 0, 0, 0], bn=False)
    x = b.op("Flatten", [b.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])])
    x = b.gemm(x, 400, 120, relu=True)
    x = b.gemm(x, 120, 84, relu=True)
    y = b.op("Softmax", [b.gemm(x, 84, 10)], axis=1)
    return b.model([1, 1, 32, 32], y, [1, 10])


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                                                  "benchmark", "generated")
    os.makedirs(folder, exist_ok=True)
    for make in [ds_cnn, resnet8, mobilenet_v1_025, fc_autoencoder, mlp, lenet5]:
        model = make()
        name = model.graph.name
        onnx.save(model, os.path.join(folder, name + ".onnx"))
        shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
        rng.standard_normal(shape).astype(np.float32).tofile(os.path.join(folder, name + ".input.bin"))
        print(f"{name}: {len(model.graph.node)} nodes, input {shape}")


if __name__ == "__main__":
    main()
