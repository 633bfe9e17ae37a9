#!/usr/bin/python3
"""Generates the models modelc ships, their test inputs and the sample's digit images.

Both models classify 8x8 handwritten digits from scikit-learn's bundled `digits` data
set (pixel values 0..16 scaled to 0..1), trained here with plain numpy:

  digits_mlp  64 -> Gemm(32) -> Relu -> Gemm(10) -> Softmax          (fully trained)
  digits_cnn  1x1x8x8 -> Conv(8,3x3) -> BatchNorm -> Relu -> MaxPool(2) -> Conv(16,3x3)
              -> Relu -> MaxPool(2) -> Flatten -> Gemm(10) -> Softmax
              (fixed random filters, BatchNorm statistics measured on the training
               images, classifier head trained: a random-feature model)

Writes, for each model NAME: NAME.onnx, NAME.inputs.bin (held-out test images, raw
float32, one after another), NAME.labels.txt, NAME.io.json; and
samples/digits/digit_images.h. Reference outputs come from tools/ort/make_references.js.
Deterministic: a fixed seed; re-running gives the same files.

Needs Debian's python3-onnx, python3-numpy and python3-sklearn (developer tool only).
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_HEADER = os.path.join(HERE, "..", "samples", "digits", "digit_images.h")
TEST_COUNT = 8  # held-out images stored per model
rng = np.random.default_rng(20261122)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def train_softmax_head(features, labels, epochs=300, lr=0.5, hidden=None):
    """Trains [features -> (hidden relu) -> 10] with full-batch gradient descent."""
    n, d = features.shape
    onehot = np.eye(10)[labels]
    if hidden:
        w1 = rng.normal(0, np.sqrt(2 / d), (d, hidden))
        b1 = np.zeros(hidden)
        w2 = rng.normal(0, np.sqrt(2 / hidden), (hidden, 10))
    else:
        w2 = np.zeros((d, 10))
    b2 = np.zeros(10)
    for _ in range(epochs):
        h = np.maximum(features @ w1 + b1, 0) if hidden else features
        p = softmax(h @ w2 + b2)
        grad = (p - onehot) / n
        if hidden:
            grad_h = (grad @ w2.T) * (h > 0)
            w1 -= lr * features.T @ grad_h
            b1 -= lr * grad_h.sum(0)
        w2 -= lr * h.T @ grad
        b2 -= lr * grad.sum(0)
    return (w1, b1, w2, b2) if hidden else (w2, b2)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def save(model, name, test_images, test_labels, input_shape, output_name):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name + ".onnx"))
    test_images.astype("<f4").tofile(os.path.join(HERE, name + ".inputs.bin"))
    with open(os.path.join(HERE, name + ".labels.txt"), "w") as f:
        f.write("".join(f"{label}\n" for label in test_labels))
    io = {"model": name + ".onnx", "samples": len(test_images),
          "input": {"name": "image", "shape": input_shape},
          "output": {"name": output_name, "shape": [1, 10]}}
    with open(os.path.join(HERE, name + ".io.json"), "w") as f:
        json.dump(io, f, indent=1)
        f.write("\n")


def make_mlp(train_x, train_y, test_x, test_y):
    w1, b1, w2, b2 = train_softmax_head(train_x, train_y, epochs=600, lr=0.5, hidden=32)
    accuracy = (np.argmax(np.maximum(test_x @ w1 + b1, 0) @ w2 + b2, 1) == test_y).mean()
    # Gemm with transB=1, as PyTorch exports nn.Linear.
    nodes = [
        helper.make_node("Gemm", ["image", "fc1.weight", "fc1.bias"], ["fc1"], name="fc1", transB=1),
        helper.make_node("Relu", ["fc1"], ["relu1"], name="relu1"),
        helper.make_node("Gemm", ["relu1", "fc2.weight", "fc2.bias"], ["logits"], name="fc2", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
        [const("fc1.weight", w1.T), const("fc1.bias", b1), const("fc2.weight", w2.T), const("fc2.bias", b2)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="modelc-generate")
    model.ir_version = 8
    save(model, "digits_mlp", test_x[:TEST_COUNT], test_y[:TEST_COUNT], [1, 64], "probs")
    return accuracy


def conv2d_same(x, w):
    """x [n,c,h,w], w [o,c,3,3], stride 1, pad 1."""
    n, c, h, wd = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], h, wd))
    for kh in range(3):
        for kw in range(3):
            out += np.einsum("nchw,oc->nohw", padded[:, :, kh:kh + h, kw:kw + wd], w[:, :, kh, kw])
    return out


def maxpool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def make_cnn(train_x, train_y, test_x, test_y):
    w1 = rng.normal(0, 0.6, (8, 1, 3, 3))
    b1 = rng.normal(0, 0.1, 8)
    w2 = rng.normal(0, 0.3, (16, 8, 3, 3))
    b2 = rng.normal(0, 0.1, 16)
    images = train_x.reshape(-1, 1, 8, 8)
    c1 = conv2d_same(images, w1) + b1[None, :, None, None]
    mean, var = c1.mean(axis=(0, 2, 3)), c1.var(axis=(0, 2, 3))
    gamma, beta = rng.uniform(0.8, 1.2, 8), rng.normal(0, 0.1, 8)

    def features(x):
        y = conv2d_same(x.reshape(-1, 1, 8, 8), w1) + b1[None, :, None, None]
        y = (y - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
        y = np.maximum(y * gamma[None, :, None, None] + beta[None, :, None, None], 0)
        y = maxpool2(y)
        y = maxpool2(np.maximum(conv2d_same(y, w2) + b2[None, :, None, None], 0))
        return y.reshape(len(x), -1)

    train_f = features(train_x)
    scale = train_f.std() + 1e-6
    w3, b3 = train_softmax_head(train_f / scale, train_y, epochs=800, lr=0.5)
    w3 = w3 / scale
    accuracy = (np.argmax(features(test_x) @ w3 + b3, 1) == test_y).mean()
    nodes = [
        helper.make_node("Conv", ["image", "conv1.weight", "conv1.bias"], ["conv1"], name="conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["conv1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"],
                         ["bn1"], name="bn1", epsilon=1e-5),
        helper.make_node("Relu", ["bn1"], ["relu1"], name="relu1"),
        helper.make_node("MaxPool", ["relu1"], ["pool1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["pool1", "conv2.weight", "conv2.bias"], ["conv2"], name="conv2",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv2"], ["relu2"], name="relu2"),
        helper.make_node("MaxPool", ["relu2"], ["pool2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool2"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc"),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "digits_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
        [const("conv1.weight", w1), const("conv1.bias", b1), const("bn1.scale", gamma), const("bn1.bias", beta),
         const("bn1.mean", mean), const("bn1.var", var), const("conv2.weight", w2), const("conv2.bias", b2),
         const("fc.weight", w3), const("fc.bias", b3)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="modelc-generate")
    model.ir_version = 8
    save(model, "digits_cnn", test_x[:TEST_COUNT], test_y[:TEST_COUNT], [1, 1, 8, 8], "probs")
    return accuracy


def write_sample_images(test_x, test_y):
    lines = ["/* Generated by models/generate.py: held-out 8x8 digits (scikit-learn's digits",
             "   data set, pixels scaled to 0..1) and their true labels. */",
             "#ifndef DIGIT_IMAGES_H_", "#define DIGIT_IMAGES_H_", "",
             f"#define DIGIT_IMAGE_COUNT {TEST_COUNT}", "",
             "static const int digit_labels[DIGIT_IMAGE_COUNT] = {" +
             ", ".join(str(v) for v in test_y[:TEST_COUNT]) + "};", "",
             "static const float digit_images[DIGIT_IMAGE_COUNT][64] = {"]
    for image in test_x[:TEST_COUNT]:
        lines.append("    {" + ", ".join(f"{v:.4f}f" for v in image) + "},")
    lines += ["};", "", "#endif  /* DIGIT_IMAGES_H_ */", ""]
    os.makedirs(os.path.dirname(SAMPLE_HEADER), exist_ok=True)
    with open(SAMPLE_HEADER, "w") as f:
        f.write("\n".join(lines))


def main():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float64)
    y = digits.target
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    train_x, train_y, test_x, test_y = x[:split], y[:split], x[split:], y[split:]
    test_x = test_x.astype(np.float32)
    print(f"digits_mlp held-out accuracy: {make_mlp(train_x, train_y, test_x, test_y):.3f}")
    print(f"digits_cnn held-out accuracy: {make_cnn(train_x, train_y, test_x, test_y):.3f}")
    write_sample_images(test_x, test_y)


if __name__ == "__main__":
    main()
