#!/usr/bin/env python3
"""Builds the int8 TFLite test models of tests/data/tflite_int8 and their references.

Small Keras models, each covering the int8 builtin operators the TFLite frontend takes
(with the fused activations the converter folds into them), plus an int8 DS-CNN-like
keyword spotter, converted by TensorFlow's TFLiteConverter to full-integer int8 with a
representative dataset (random inputs); the MLPerf Tiny architectures (DS-CNN, ResNet-8,
MobileNetV1-0.25 visual wake words, the FC autoencoder) among them. Most keep int8 inputs and outputs (the model's
edges are int8 tensors); `float_edges` keeps float ones (QUANTIZE and DEQUANTIZE at its
edges). For each, several inputs and the outputs of the TFLite interpreter running its
reference kernels (OpResolverType.BUILTIN_REF; TFLite Micro's for the models of
MICRO_REFERENCES, where a reference kernel is wrong) are written beside it (twelve samples,
three for MobileNet's larger images):

  NAME.tflite        the model
  NAME.inputs.bin    for each sample, each model input in the model's input order, in
                     its own element type (int8 or float32), row-major, declared shape
  NAME.outputs.bin   for each sample, each model output the same way

Inputs are random floats in [-1, 1] quantised with the input's scale and zero point
(int8 inputs) or the floats themselves. The script prints the builtin operators of each
model. Run it from the repository root with the venv of tools/tflite/requirements.txt, and
TFLM_PYTHON naming the python of a venv of tools/tflite/requirements-micro.txt:

  TFLM_PYTHON=/work/venv/tflm/bin/python \
    /work/venv/tflite/bin/python tools/tflite/make_int8_models.py tests/data/tflite_int8
"""
import argparse
import os
import subprocess

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

# The float models' script, beside this one: the same weight randomisation and
# reference interpreter.
from make_models import randomize_batch_norms, randomize_biases, reference_interpreter  # noqa: E402

layers = tf.keras.layers
SAMPLES = 12
CALIBRATION_SAMPLES = 32


def conv():
    """CONV_2D: SAME with fused RELU6, stride 2 SAME with fused RELU, dilated SAME, VALID
    with a rectangular kernel and no activation."""
    x = layers.Input((9, 10, 3), batch_size=1, name="image")
    y = layers.Conv2D(8, 3, padding="same", activation="relu6", name="conv_relu6")(x)
    y = layers.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="conv_stride2")(y)
    y = layers.Conv2D(5, 3, dilation_rate=2, padding="same", name="conv_dilated")(y)
    y = layers.Conv2D(4, (1, 3), padding="valid", name="conv_rect")(y)
    return tf.keras.Model(x, y)


def depthwise():
    """DEPTHWISE_CONV_2D with a depth multiplier, stride 2 SAME, fused RELU; then VALID
    with fused RELU6; then a 1x1 CONV_2D (the pointwise half of a separable block)."""
    x = layers.Input((9, 8, 4), batch_size=1, name="image")
    y = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="relu", name="dw_a")(x)
    y = layers.DepthwiseConv2D(3, padding="valid", activation="relu6", name="dw_b")(y)
    y = layers.Conv2D(6, 1, name="pointwise")(y)
    return tf.keras.Model(x, y)


def pools():
    """MAX_POOL_2D and AVERAGE_POOL_2D, SAME (the average counts only the window's
    elements inside the image: 4, 6 or 9 of them) and VALID, each an output."""
    x = layers.Input((9, 7, 3), batch_size=1, name="image")
    y = layers.Conv2D(4, 3, padding="same", name="conv")(x)
    return tf.keras.Model(x, [
        layers.MaxPooling2D(3, strides=2, padding="same", name="max_same")(y),
        layers.AveragePooling2D(3, strides=2, padding="same", name="avg_same")(y),
        layers.MaxPooling2D(2, strides=2, padding="valid", name="max_valid")(y),
        layers.AveragePooling2D(2, strides=2, padding="valid", name="avg_valid")(y),
    ])


def dense():
    """FULLY_CONNECTED with fused RELU, a bias-free one and a plain one, after a flatten
    (RESHAPE) of a conv's output."""
    x = layers.Input((4, 4, 3), batch_size=1, name="image")
    y = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(x)
    y = layers.Flatten(name="flatten")(y)
    y = layers.Dense(16, activation="relu", name="fc_relu")(y)
    y = layers.Dense(12, use_bias=False, name="fc_nobias")(y)
    y = layers.Dense(10, name="fc")(y)
    return tf.keras.Model(x, y)


def float_edges():
    """Float input and output around an int8 network: QUANTIZE, CONV_2D,
    DEPTHWISE_CONV_2D, a global AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, DEQUANTIZE."""
    x = layers.Input((8, 8, 2), batch_size=1, name="image")
    y = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="conv")(x)
    y = layers.DepthwiseConv2D(3, padding="same", activation="relu6", name="dw")(y)
    y = layers.AveragePooling2D(4, name="pool")(y)
    y = layers.Flatten(name="flatten")(y)
    y = layers.Dense(5, name="logits")(y)
    return tf.keras.Model(x, y)


def ds_cnn_kws():
    """An int8 DS-CNN-like keyword spotter (MLPerf Tiny's architecture at 32 channels):
    a 10x4 stride-2 conv, four depthwise-separable blocks, global average pool, 12
    classes, SOFTMAX."""
    x = layers.Input((49, 10, 1), batch_size=1, name="mfcc")
    y = layers.Conv2D(32, (10, 4), strides=2, padding="same", use_bias=False, name="conv1")(x)
    y = layers.BatchNormalization(name="bn1")(y)
    y = layers.ReLU(name="relu1")(y)
    for block in range(4):
        y = layers.DepthwiseConv2D(3, padding="same", use_bias=False, name=f"dw{block}")(y)
        y = layers.BatchNormalization(name=f"dw_bn{block}")(y)
        y = layers.ReLU(name=f"dw_relu{block}")(y)
        y = layers.Conv2D(32, 1, use_bias=False, name=f"pw{block}")(y)
        y = layers.BatchNormalization(name=f"pw_bn{block}")(y)
        y = layers.ReLU(name=f"pw_relu{block}")(y)
    y = layers.AveragePooling2D(pool_size=(25, 5), name="pool")(y)
    y = layers.Flatten(name="flatten")(y)
    y = layers.Dense(12, name="logits")(y)
    y = layers.Softmax(name="probs")(y)
    return tf.keras.Model(x, y)


def add():
    """ADD of two int8 tensors of different scales, with a fused RELU, and with a
    broadcast constant (one value per channel)."""
    x = layers.Input((6, 5, 3), batch_size=1, name="image")
    p = layers.Conv2D(4, 3, padding="same", name="conv_p")(x)
    q = layers.Conv2D(4, 1, name="conv_q")(x)
    q = layers.Lambda(lambda t: t * 3.0, name="wider")(q)
    offsets = tf.constant(np.array([0.5, -0.25, 1.0, -0.75], np.float32))
    return tf.keras.Model(x, [
        layers.Add(name="sum")([p, q]),
        layers.ReLU(name="sum_relu")(layers.Add(name="sum_b")([q, p])),
        layers.Lambda(lambda t: t + offsets, name="broadcast")(p),
    ])


def softmax():
    """SOFTMAX of a FULLY_CONNECTED layer's 10 logits, and of a convolution's 6 channels
    at every pixel (rows along the last axis)."""
    x = layers.Input((5, 4, 3), batch_size=1, name="image")
    c = layers.Conv2D(6, 3, padding="same", name="conv")(x)
    logits = layers.Dense(10, name="logits")(layers.Flatten(name="flatten")(c))
    return tf.keras.Model(x, [layers.Softmax(name="probs")(logits), layers.Softmax(name="pixel_probs")(c)])


def moves():
    """Operators that move int8 values: CONCATENATION, PAD (with the zero point),
    TRANSPOSE, MAXIMUM; the converter puts a requantising QUANTIZE (int8 to int8) before
    the ones that need their inputs at the output's scale."""
    x = layers.Input((6, 5, 3), batch_size=1, name="image")
    a = layers.Conv2D(4, 3, padding="same", name="conv_a")(x)
    b = layers.Conv2D(4, 1, name="conv_b")(x)
    joined = layers.Concatenate(axis=-1, name="joined")([a, b])
    return tf.keras.Model(x, [
        layers.ZeroPadding2D(((1, 0), (2, 1)), name="pad")(joined),
        layers.Lambda(lambda t: tf.transpose(t, [0, 2, 1, 3]), name="transpose")(joined),
        layers.Maximum(name="maximum")([a, b]),
    ])


def mean():
    """MEAN over height and width (Keras's GlobalAveragePooling2D), with keep_dims false
    and true."""
    x = layers.Input((5, 7, 6), batch_size=1, name="image")
    c = layers.Conv2D(8, 3, padding="same", name="conv")(x)
    return tf.keras.Model(x, [
        layers.GlobalAveragePooling2D(name="global_mean")(c),
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2], keepdims=True), name="kept_mean")(c),
    ])


def resnet8():
    """MLPerf Tiny's CIFAR-10 ResNet-8: three residual stacks (16, 32
    and 64 channels; the last two stride 2 with a 1x1 convolution on the shortcut), each
    ending in ADD with a fused RELU; 8x8 average pool, 10 classes, SOFTMAX."""
    x = layers.Input((32, 32, 3), batch_size=1, name="image")
    y = layers.Conv2D(16, 3, padding="same", name="conv0")(x)
    y = layers.BatchNormalization(name="bn0")(y)
    y = layers.ReLU(name="relu0")(y)
    for stack, (filters, stride) in enumerate([(16, 1), (32, 2), (64, 2)]):
        z = layers.Conv2D(filters, 3, strides=stride, padding="same", name=f"s{stack}_conv_a")(y)
        z = layers.BatchNormalization(name=f"s{stack}_bn_a")(z)
        z = layers.ReLU(name=f"s{stack}_relu_a")(z)
        z = layers.Conv2D(filters, 3, padding="same", name=f"s{stack}_conv_b")(z)
        z = layers.BatchNormalization(name=f"s{stack}_bn_b")(z)
        if stride != 1:
            y = layers.Conv2D(filters, 1, strides=stride, name=f"s{stack}_shortcut")(y)
        y = layers.ReLU(name=f"s{stack}_relu")(layers.Add(name=f"s{stack}_add")([y, z]))
    y = layers.AveragePooling2D(8, name="pool")(y)
    y = layers.Flatten(name="flatten")(y)
    y = layers.Dense(10, name="logits")(y)
    y = layers.Softmax(name="probs")(y)
    return tf.keras.Model(x, y)


def mobilenet_v1_025_vww():
    """MLPerf Tiny's visual wake words MobileNetV1 (width 0.25, 96x96 RGB): a stride-2
    convolution, 13 depthwise-separable blocks with RELU6 (BatchNorm folded by the
    converter), 3x3 average pool, 2 classes, SOFTMAX."""
    x = layers.Input((96, 96, 3), batch_size=1, name="image")
    y = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False, name="conv0")(x)
    y = layers.BatchNormalization(name="bn0")(y)
    y = layers.ReLU(6.0, name="relu0")(y)
    blocks = [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2)] + [(128, 1)] * 5 + [(256, 2), (256, 1)]
    for index, (filters, stride) in enumerate(blocks):
        y = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"dw{index}")(y)
        y = layers.BatchNormalization(name=f"dw_bn{index}")(y)
        y = layers.ReLU(6.0, name=f"dw_relu{index}")(y)
        y = layers.Conv2D(filters, 1, use_bias=False, name=f"pw{index}")(y)
        y = layers.BatchNormalization(name=f"pw_bn{index}")(y)
        y = layers.ReLU(6.0, name=f"pw_relu{index}")(y)
    y = layers.AveragePooling2D(3, name="pool")(y)
    y = layers.Flatten(name="flatten")(y)
    y = layers.Dense(2, name="logits")(y)
    y = layers.Softmax(name="probs")(y)
    return tf.keras.Model(x, y)


def fc_autoencoder():
    """MLPerf Tiny's anomaly-detection autoencoder: 640 -> 128 x 4 -> 8 -> 128 x 4 -> 640,
    FULLY_CONNECTED layers with BatchNorm (folded) and RELU, the last one linear."""
    x = layers.Input((640,), batch_size=1, name="features")
    y = x
    for index, units in enumerate([128, 128, 128, 128, 8, 128, 128, 128, 128]):
        y = layers.Dense(units, name=f"fc{index}")(y)
        y = layers.BatchNormalization(name=f"bn{index}")(y)
        y = layers.ReLU(name=f"relu{index}")(y)
    y = layers.Dense(640, name="reconstruction")(y)
    return tf.keras.Model(x, y)


def activation_bounds():
    """Three CONV_2D and a FULLY_CONNECTED without activations, whose output ranges
    the converter calibrates on both signs; set_fused_activations then gives them RELU,
    RELU6, RELU_N1_TO_1 and RELU, so that the int8 clamp to the activation's bounds
    (quantised by the output's scale) is what decides their outputs."""
    x = layers.Input((6, 6, 3), batch_size=1, name="image")
    y = layers.Conv2D(6, 3, padding="same", name="conv_relu")(x)
    y = layers.Conv2D(6, 3, padding="same", name="conv_relu6")(y)
    y = layers.Lambda(lambda t: t * 4.0, name="wider")(y)
    y = layers.Conv2D(4, 3, padding="same", name="conv_relu_n1_to_1")(y)
    y = layers.Flatten(name="flatten")(y)
    y = layers.Dense(8, name="fc_relu")(y)
    return tf.keras.Model(x, y)


def mul_sub():
    """MUL and SUB of two int8 tensors of different scales (SUB: TFLite's ADD with the
    second input's multiplier negated), with fused RELU, with a broadcast constant, and a
    product whose multiplier is above one."""
    x = layers.Input((6, 5, 3), batch_size=1, name="image")
    p = layers.Conv2D(4, 3, padding="same", name="conv_p")(x)
    q = layers.Conv2D(4, 1, name="conv_q")(x)
    q = layers.Lambda(lambda t: t * 3.0, name="wider")(q)
    gains = tf.constant(np.array([0.5, -0.25, 2.0, -0.75], np.float32))
    offsets = tf.constant(np.array([0.5, -1.25, 1.0, 0.0], np.float32))
    return tf.keras.Model(x, [
        layers.Multiply(name="product")([p, q]),
        layers.ReLU(name="product_relu")(layers.Multiply(name="product_b")([q, p])),
        layers.Lambda(lambda t: t * gains, name="scaled")(p),
        layers.Subtract(name="difference")([p, q]),
        layers.ReLU(name="difference_relu")(layers.Subtract(name="difference_b")([q, p])),
        layers.Lambda(lambda t: offsets - t, name="broadcast_difference")(p),
        layers.Lambda(lambda t: t * t * 0.01, name="small_square")(q),
    ])


def activations():
    """Standalone int8 RELU, RELU6, RELU_N1_TO_1 and LEAKY_RELU (each requantises: a
    table made while compiling), on the model input and on a convolution's output."""
    x = layers.Input((6, 5, 3), batch_size=1, name="image")
    c = layers.Conv2D(4, 3, padding="same", name="conv")(x)
    return tf.keras.Model(x, [
        layers.ReLU(name="relu")(x),
        layers.ReLU(max_value=6.0, name="relu6")(x),
        layers.Lambda(lambda t: tf.clip_by_value(t, -1.0, 1.0), name="relu_n1_to_1")(x),
        layers.LeakyReLU(alpha=0.2, name="leaky")(c),
        layers.LeakyReLU(alpha=0.0, name="leaky_zero")(c),
    ])


def logistic_tanh():
    """int8 LOGISTIC and TANH (TensorFlow's reference kernels fill a table for each while
    preparing), on the model input and on a convolution's wider output."""
    x = layers.Input((6, 5, 3), batch_size=1, name="image")
    c = layers.Conv2D(4, 3, padding="same", name="conv")(x)
    c = layers.Lambda(lambda t: t * 4.0, name="x4")(c)
    return tf.keras.Model(x, [
        layers.Activation("sigmoid", name="logistic")(x),
        layers.Activation("tanh", name="tanh")(x),
        layers.Activation("sigmoid", name="logistic_wide")(c),
        layers.Activation("tanh", name="tanh_wide")(c),
    ])


def hard_swish():
    """int8 HARD_SWISH (TFLite's int16 fixed point), on the model input and on a
    convolution's wider output."""
    x = layers.Input((6, 5, 3), batch_size=1, name="image")
    c = layers.Conv2D(4, 3, padding="same", name="conv")(x)
    c = layers.Lambda(lambda t: t * 4.0, name="x4")(c)
    swish = lambda t: t * tf.nn.relu6(t + 3.0) * (1.0 / 6.0)  # noqa: E731
    return tf.keras.Model(x, [layers.Lambda(swish, name="hard_swish")(x), layers.Lambda(swish, name="hard_swish_wide")(c)])


def slicing():
    """int8 PADV2 (a value quantised as the output), STRIDED_SLICE (masks, a negative
    stride, a shrunk axis), SLICE, SPLIT, SPLIT_V, PACK, UNPACK, GATHER, ARG_MAX (int32)
    and ARG_MIN (int64): the values move as they are (every output of a split used: the
    converter leaves an unused one float; so it does with more than ten model outputs).
    The converter names UNPACK's outputs in an order that varies from run to run: a new
    conversion may differ from the committed file in those names alone."""
    x = layers.Input((6, 5, 4), batch_size=1, name="image")
    c = layers.Conv2D(4, 1, name="conv")(x)
    padded = layers.Lambda(lambda t: tf.pad(t, [[0, 0], [1, 0], [2, 1], [0, 0]], constant_values=0.5),
                           name="padv2")(c)
    strided = layers.Lambda(lambda t: t[:, 1::2, ::-2, 1:3], name="strided_slice")(padded)
    shrunk = layers.Lambda(lambda t: t[:, 2, 1:, :], name="strided_slice_shrink")(c)
    sliced = layers.Lambda(lambda t: tf.slice(t, [0, 1, 0, 1], [1, 4, -1, 2]), name="slice")(c)
    halves = layers.Lambda(lambda t: tf.split(t, 2, axis=3), name="split")(c)
    parts = layers.Lambda(lambda t: tf.split(t, [1, 3, 2], axis=1), name="split_v")(c)
    stacked = layers.Lambda(lambda t: tf.stack([t[0], t[1]], axis=2), name="pack")(halves)
    rows = layers.Lambda(lambda t: tf.unstack(t, axis=1), name="unpack")(parts[1])
    gathered = layers.Lambda(lambda t: tf.gather(t, [3, 0, 0, 2], axis=2), name="gather")(c)
    largest = layers.Lambda(lambda t: tf.argmax(t, axis=3, output_type=tf.int32), name="arg_max")(c)
    smallest = layers.Lambda(lambda t: tf.argmin(t, axis=1), name="arg_min")(c)
    restacked = layers.Lambda(lambda t: tf.stack([t[2], t[0], t[1]], axis=3), name="pack_rows")(rows)
    return tf.keras.Model(x, [strided, shrunk, sliced, stacked, parts[0], restacked, parts[2], gathered, largest, smallest])


def reductions():
    """int8 PRELU (alpha shared over height and width, and one alpha per element, both
    of both signs) and MEAN over other axes than height and width (channels; rows; rows
    and channels, kept)."""
    x = layers.Input((5, 6, 4), batch_size=1, name="image")
    c = layers.Conv2D(6, 3, padding="same", name="conv")(x)
    model = tf.keras.Model(x, [
        layers.PReLU(shared_axes=[1, 2], name="prelu")(c),
        layers.PReLU(name="prelu_full")(x),
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=3), name="mean_channels")(c),
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=1), name="mean_rows")(c),
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 3], keepdims=True), name="mean_rows_channels")(c),
    ])
    alphas = np.random.default_rng(17)
    for layer in model.layers:
        if isinstance(layer, layers.PReLU):
            shape = layer.get_weights()[0].shape
            layer.set_weights([alphas.uniform(-0.5, 0.8, shape).astype(np.float32)])
    return model


def sums():
    """int8 SUM over height and width, over channels (kept), and over rows with the output
    quantised as the input (set after conversion; the sum saturates). Its references come from
    TFLite Micro (micro_references.py): TF 2.15's reference SUM kernel reads int8 data as
    uint8 (tensorflow/tensorflow#102490, LiteRT#4079: an int8 SUM of 128 twos gives -1),
    and its builtin kernel computes in float (optimized_ops::QuantizedMeanOrSum: one step
    off here and there); TFLite Micro runs reference_ops::QuantizedMeanOrSum's integer
    arithmetic on the int8 data, which the reference kernel means to."""
    x = layers.Input((5, 6, 4), batch_size=1, name="image")
    c = layers.Conv2D(6, 3, padding="same", name="conv")(x)
    return tf.keras.Model(x, [
        layers.Lambda(lambda t: tf.reduce_sum(t, axis=[1, 2]), name="sum")(c),
        layers.Lambda(lambda t: tf.reduce_sum(t, axis=3, keepdims=True), name="sum_channels")(c),
        layers.Lambda(lambda t: tf.reduce_sum(t, axis=1), name="sum_rows")(c),
    ])


def same_scale_means():
    """int8 MEAN whose output is quantised as its input (set after conversion: the
    converter gives a MEAN its own scale), over height and width (kept, and not) and over
    rows: TensorFlow 2.15's reference kernel and TFLite Micro both run
    reference_ops::QuantizedMeanOrSum's integer arithmetic on it as on any other."""
    x = layers.Input((5, 6, 4), batch_size=1, name="image")
    c = layers.Conv2D(6, 3, padding="same", name="conv")(x)
    return tf.keras.Model(x, [
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2], keepdims=True), name="kept_mean")(c),
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2]), name="global_mean")(c),
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=1), name="mean_rows")(c),
    ])


def products():
    """int8 TRANSPOSE_CONV (SAME at stride 2 with a bias; VALID at strides 1 and 2 with a
    kernel wider than its stride; VALID at stride 3 with a 2 x 2 kernel, no bias: the zeros
    stuffed after the last row and column are cut; this one, the file's first, given a
    fused RELU after conversion, which binds), reading a convolution's output (a zero point other than 0,
    which the stuffed rows must hold), and BATCH_MATMUL of two int8 tensors (a batch of 2;
    with the first input's adjoint, and the second's). The matrices' shapes are alike: the
    calibrator feeds the inputs in another order than the model's."""
    a = layers.Input((2, 4, 4), batch_size=1, name="a")
    b = layers.Input((2, 4, 4), batch_size=1, name="b")
    x = layers.Input((5, 4, 3), batch_size=1, name="image")
    c = layers.Conv2D(3, 1, name="conv")(x)
    # [height, width, output channels, input channels]; an output of 14 x 11 where the
    # stuffed input reaches 15 x 12.
    crop_filter = tf.constant(np.random.default_rng(23).uniform(-0.5, 0.5, (2, 2, 3, 3)).astype(np.float32))
    return tf.keras.Model([a, b, x], [
        layers.Conv2DTranspose(4, 3, strides=2, padding="same", name="deconv_same")(c),
        layers.Conv2DTranspose(2, (2, 3), strides=(1, 2), padding="valid", name="deconv_valid")(c),
        layers.Lambda(lambda t: tf.nn.conv2d_transpose(t, crop_filter, [1, 14, 11, 3], 3, padding="VALID"),
                      name="deconv_crop")(c),
        layers.Lambda(lambda t: tf.matmul(t[0], t[1]), name="batch_matmul")([a, b]),
        layers.Lambda(lambda t: tf.matmul(t[0], t[1], adjoint_a=True), name="batch_matmul_adjoint")([a, b]),
        layers.Lambda(lambda t: tf.matmul(t[0], t[1], adjoint_b=True), name="batch_matmul_adjoint_b")([a, b]),
    ])


def resizing():
    """int8 RESIZE_BILINEAR (TFLite's integer interpolation: half-pixel centres, aligned
    corners, neither; up and down) and RESIZE_NEAREST_NEIGHBOR (half-pixel centres,
    aligned corners, neither)."""
    x = layers.Input((5, 4, 3), batch_size=1, name="image")
    return tf.keras.Model(x, [
        layers.UpSampling2D(2, interpolation="bilinear", name="up_bilinear")(x),
        layers.Lambda(lambda t: tf.compat.v1.image.resize_bilinear(t, [9, 7], align_corners=True),
                      name="aligned_bilinear")(x),
        layers.Lambda(lambda t: tf.compat.v1.image.resize_bilinear(t, [8, 6]), name="plain_bilinear")(x),
        layers.Lambda(lambda t: tf.image.resize(t, [3, 3], method="bilinear"), name="down_bilinear")(x),
        layers.UpSampling2D((2, 3), interpolation="nearest", name="up_nearest")(x),
        layers.Lambda(lambda t: tf.compat.v1.image.resize_nearest_neighbor(t, [7, 9], align_corners=True),
                      name="aligned_nearest")(x),
        layers.Lambda(lambda t: tf.compat.v1.image.resize_nearest_neighbor(t, [3, 3]), name="plain_nearest")(x),
    ])


def written_over():
    """Convolutions that store channels-last (their NHWC Transpose absorbed: a reshape
    that keeps the channels last follows) and whose input no other node reads: a
    depthwise one after a pointwise one, a pointwise one after a 3 x 3 one. Under
    --optimize memory a planar kernel may write such an input over as it reads it; with
    NHWC stores it must not (a review's finding: 734 of 768 bytes wrong on the M4)."""
    x = layers.Input((8, 8, 4), batch_size=1, name="image")
    d = layers.Conv2D(4, 1, name="pw0")(x)
    d = layers.DepthwiseConv2D(3, padding="same", name="dw")(d)
    d = layers.Dense(3, name="dense_dw")(layers.Reshape((64, 4), name="rows_dw")(d))
    p = layers.Conv2D(8, 3, padding="same", name="c1")(x)
    p = layers.Conv2D(8, 1, name="pw1")(p)
    p = layers.Dense(3, name="dense_pw")(layers.Reshape((64, 8), name="rows_pw")(p))
    return tf.keras.Model(x, [d, p])


def channels_last_pools():
    """Pools that read and write the model's NHWC tensors where they are: on input `a`
    a MAX_POOL_2D (SAME, stride 2) then an AVERAGE_POOL_2D (VALID, stride 1), each the
    only reader of the one before; input `b` read by an AVERAGE_POOL_2D (SAME: 4, 6 or
    9 elements in a window), an output, and a MAX_POOL_2D (VALID) before a 1x1 CONV_2D."""
    a = layers.Input((9, 8, 4), batch_size=1, name="a")
    b = layers.Input((9, 8, 4), batch_size=1, name="b")  # as `a`: the calibration feeds inputs in its own order
    chained = layers.MaxPooling2D(3, strides=2, padding="same", name="max_same")(a)
    chained = layers.AveragePooling2D(2, strides=1, padding="valid", name="avg_valid")(chained)
    shared_average = layers.AveragePooling2D(3, strides=2, padding="same", name="avg_same")(b)
    shared_max = layers.MaxPooling2D(2, strides=2, padding="valid", name="max_valid")(b)
    pointwise = layers.Conv2D(5, 1, name="pointwise")(shared_max)
    return tf.keras.Model([a, b], [chained, shared_average, pointwise])


def adjacent_means():
    """int8 MEAN over axes next to each other with kept axes after them, each a window of
    rows over a view of the NHWC tensor (no Transpose): over columns (rows before,
    channels after), kept; over rows given as a negative axis; over the rows of a
    rank-3 tensor. (No SUM: TensorFlow 2.15's reference SUM kernel is wrong for int8,
    see `sums`.)"""
    x = layers.Input((5, 6, 4), batch_size=1, name="image")
    c = layers.Conv2D(6, 1, name="conv")(x)
    rows = layers.Reshape((5, 36), name="rows")(c)
    return tf.keras.Model(x, [
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=2, keepdims=True), name="mean_columns")(c),
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=-3), name="mean_rows")(c),
        layers.Lambda(lambda t: tf.reduce_mean(t, axis=1), name="mean_reshaped_rows")(rows),
    ])


def residual_sums():
    """Residual blocks whose ADD the compiler fuses into the convolution before it: a 3x3
    convolution's output added to its own input (the convolution's output the ADD's
    second operand), then a stride-2 stage whose 1x1 shortcut and 3x3 path meet in an
    ADD (an output of the model), whose sum a 1x1 convolution's output less it (a SUB,
    which stays a node of its own) follows. Each ADD's operands are given scales s and
    2s (the first's the smaller at the first ADD, the larger at the second) and its
    output 4s (uneven_sum_scales): a quarter of its sums fall on a half, where TFLite's
    ADD (halves away from zero) and a float sum rounding halves to even part, and the
    two operands' multipliers differ (1/4 and 1/2)."""
    x = layers.Input((9, 10, 3), batch_size=1, name="image")
    y = layers.ReLU(name="relu0")(layers.Conv2D(8, 3, padding="same", name="conv0")(x))
    z = layers.Conv2D(8, 3, padding="same", name="conv1")(y)
    y = layers.Add(name="add0")([y, z])
    s = layers.Conv2D(16, 1, strides=2, name="shortcut")(y)
    v = layers.Conv2D(16, 3, strides=2, padding="same", name="conv2")(y)
    total = layers.Add(name="add1")([s, v])
    d = layers.Conv2D(16, 1, name="conv3")(total)
    return tf.keras.Model(x, [total, layers.Subtract(name="sub")([d, total])])


def uneven_sum_scales(flatbuffer):
    """Gives the operands of the model's ADDs (in order) scales s and 2s, s the larger
    of their calibrated ones (the smaller first at even ADDs, second at odd ones), and
    each ADD's output 4s (zero points as calibrated)."""
    def edit(model, schema):
        tensors = model.subgraphs[0].tensors
        for k, op in enumerate(operators_of(model, schema, ["ADD"])):
            a, b = (tensors[i].quantization for i in op.inputs)
            scale = max(a.scale[0], b.scale[0])
            a.scale, b.scale = ([scale], [2.0 * scale]) if k % 2 == 0 else ([2.0 * scale], [scale])
            tensors[op.outputs[0]].quantization.scale = [4.0 * scale]
    return edit_model(flatbuffer, edit)


def edit_model(flatbuffer, edit):
    """The model with edit(model, schema) applied to its object form (schema_py_generated's
    ModelT), packed again."""
    import flatbuffers  # pylint: disable=import-outside-toplevel
    from tensorflow.lite.python import schema_py_generated as schema  # pylint: disable=import-outside-toplevel
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(flatbuffer, 0))
    edit(model, schema)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def operators_of(model, schema, kinds):
    """Subgraph 0's operators of the builtin kinds named, in order."""
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    wanted = [getattr(schema.BuiltinOperator, kind) for kind in kinds]
    return [op for op in model.subgraphs[0].operators if codes[op.opcodeIndex] in wanted]


def quantise_outputs_as_inputs(flatbuffer, operator, indices):
    """Gives the operators `operator` (a BuiltinOperator name) at positions `indices` among
    those of the model (in order) their input's quantisation on their output, which
    the converter had given its own."""
    def edit(model, schema):
        tensors = model.subgraphs[0].tensors
        chosen = operators_of(model, schema, [operator])
        for i in indices:
            source, target = tensors[chosen[i].inputs[0]].quantization, tensors[chosen[i].outputs[0]].quantization
            target.scale, target.zeroPoint = list(source.scale), list(source.zeroPoint)
    return edit_model(flatbuffer, edit)


def set_fused_activations(flatbuffer, activations, operators=("CONV_2D", "FULLY_CONNECTED")):
    """Gives the model's operators of the kinds named (CONV_2D and FULLY_CONNECTED unless
    told), in order, the fused activations named (ActivationFunctionType names), leaving
    their tensors' quantisation as the converter calibrated it without them."""
    def edit(model, schema):
        wanted = iter(activations)
        for op in operators_of(model, schema, operators):
            name = next(wanted, None)
            if name is not None:
                op.builtinOptions.fusedActivationFunction = getattr(schema.ActivationFunctionType, name)
        assert next(wanted, None) is None, "fewer operators than activations"
    return edit_model(flatbuffer, edit)


def lstm():
    """UNIDIRECTIONAL_SEQUENCE_LSTMs, TFLite's integer kernel (int8 weights and hidden
    state, int16 cell state of a power-of-two scale, gates in Q3.12): one returning its
    sequence, read by a second returning its last step (the converter's STRIDED_SLICE),
    and one on the input whose small weights keep its cell state below 2^-15 x 32768
    (TFLite's tanh of such a cell state is the quirk docs/tflite.md describes)."""
    x = layers.Input((6, 5), batch_size=1, name="sequence")
    wide = tf.keras.initializers.RandomUniform(-1.0, 1.0)  # a cell state of several units: more integer bits
    sequence = layers.LSTM(8, return_sequences=True, name="lstm_sequence", kernel_initializer=wide,
                           recurrent_initializer=wide)(x)
    last = layers.LSTM(4, name="lstm_last")(sequence)
    small = layers.LSTM(3, return_sequences=True, name="lstm_small",
                        kernel_initializer=tf.keras.initializers.RandomUniform(-0.02, 0.02),
                        recurrent_initializer=tf.keras.initializers.RandomUniform(-0.02, 0.02),
                        bias_initializer="zeros")(x)
    return tf.keras.Model(x, [sequence, last, small])


def lstm_variant():
    """An int8 UNIDIRECTIONAL_SEQUENCE_LSTM as Keras never writes it, made by
    time_major_lstm below: time-major input and output, a batch of three, a cell clip
    that binds."""
    x = layers.Input((6, 5), batch_size=3, name="sequence")
    wide = tf.keras.initializers.RandomUniform(-1.0, 1.0)
    return tf.keras.Model(x, layers.LSTM(6, return_sequences=True, name="lstm", kernel_initializer=wide,
                                         recurrent_initializer=wide)(x))


def time_major_lstm(flatbuffer):
    """The model's UNIDIRECTIONAL_SEQUENCE_LSTM made time-major (its input and output
    [time, batch, ...]) with a cell clip of 0.3 (the converter writes 10)."""
    def edit(model, schema):
        (op,) = operators_of(model, schema, ["UNIDIRECTIONAL_SEQUENCE_LSTM"])
        op.builtinOptions.timeMajor = True
        op.builtinOptions.cellClip = 0.3
        for t in (op.inputs[0], op.outputs[0]):
            tensor = model.subgraphs[0].tensors[t]
            batch, time, depth = tensor.shape
            tensor.shape = np.array([time, batch, depth], np.int32)
            if tensor.shapeSignature is not None:
                tensor.shapeSignature = np.array([time, batch, depth], np.int32)
    return edit_model(flatbuffer, edit)


# name: (builder, int8 edges, samples)
MODELS = {
    "conv": (conv, True, SAMPLES),
    "depthwise": (depthwise, True, SAMPLES),
    "pools": (pools, True, SAMPLES),
    "dense": (dense, True, SAMPLES),
    "float_edges": (float_edges, False, SAMPLES),
    "ds_cnn_kws": (ds_cnn_kws, True, SAMPLES),
    "activation_bounds": (activation_bounds, True, SAMPLES),
    "add": (add, True, SAMPLES),
    "softmax": (softmax, True, SAMPLES),
    "resnet8": (resnet8, True, SAMPLES),
    "mobilenet_v1_025_vww": (mobilenet_v1_025_vww, True, 3),  # 27 KB per input
    "fc_autoencoder": (fc_autoencoder, True, SAMPLES),
    "moves": (moves, True, SAMPLES),  # new models go last: each model's seeds follow its place
    "mean": (mean, True, SAMPLES),
    "mul_sub": (mul_sub, True, SAMPLES),
    "activations": (activations, True, SAMPLES),
    "logistic_tanh": (logistic_tanh, True, SAMPLES),
    "hard_swish": (hard_swish, True, SAMPLES),
    "slicing": (slicing, True, SAMPLES),
    "reductions": (reductions, True, SAMPLES),
    "sums": (sums, True, SAMPLES),
    "products": (products, True, SAMPLES),
    "resizing": (resizing, True, SAMPLES),
    "same_scale_means": (same_scale_means, True, SAMPLES),
    "written_over": (written_over, True, SAMPLES),
    "channels_last_pools": (channels_last_pools, True, SAMPLES),
    "adjacent_means": (adjacent_means, True, SAMPLES),
    "lstm": (lstm, True, SAMPLES),
    "lstm_variant": (lstm_variant, True, SAMPLES),
    "residual_sums": (residual_sums, True, SAMPLES),
}
# Models whose references come from TFLite Micro (the reason in each builder's
# documentation): micro_references.py, run by the Python of $TFLM_PYTHON (a venv of
# requirements-micro.txt), rewrites their outputs; every other model's references come
# from the TFLite interpreter's reference kernels.
MICRO_REFERENCES = {"sums"}


def convert(model, rng, int8_edges):
    shapes = [tuple(i.shape) for i in model.inputs]

    def representative_dataset():
        for _ in range(CALIBRATION_SAMPLES):
            yield [rng.uniform(-1.0, 1.0, s).astype(np.float32) for s in shapes]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if int8_edges:
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


def sample_input(detail, rng):
    real = rng.uniform(-1.0, 1.0, detail["shape"]).astype(np.float32)
    if detail["dtype"] == np.float32:
        return real
    assert detail["dtype"] == np.int8, detail
    scale, zero_point = detail["quantization"]
    return np.clip(np.round(real / scale) + zero_point, -128, 127).astype(np.int8)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output_dir")
    parser.add_argument("--only", nargs="*", default=None, help="these models alone (each keeps its seeds)")
    args = parser.parse_args()
    os.makedirs(args.output_dir, exist_ok=True)
    for index, (name, (build, int8_edges, samples)) in enumerate(MODELS.items()):
        if args.only is not None and name not in args.only:
            continue
        tf.keras.utils.set_random_seed(3000 + index)
        rng = np.random.default_rng(4000 + index)
        model = build()
        randomize_batch_norms(model, rng)
        randomize_biases(model, rng)
        flatbuffer = convert(model, rng, int8_edges)
        if name == "activation_bounds":
            flatbuffer = set_fused_activations(flatbuffer, ["RELU", "RELU6", "RELU_N1_TO_1", "RELU"])
        if name == "same_scale_means":
            flatbuffer = quantise_outputs_as_inputs(flatbuffer, "MEAN", [0, 1, 2])
        if name == "sums":  # the SUM over rows (the file's order: checked by its shape in the test data)
            flatbuffer = quantise_outputs_as_inputs(flatbuffer, "SUM", [2])
        if name == "lstm_variant":
            flatbuffer = time_major_lstm(flatbuffer)
        if name == "residual_sums":
            flatbuffer = uneven_sum_scales(flatbuffer)
        if name == "products":  # a RELU that binds, on the file's first TRANSPOSE_CONV
            flatbuffer = set_fused_activations(flatbuffer, ["RELU"], operators=("TRANSPOSE_CONV",))
        interpreter = reference_interpreter(flatbuffer)
        operators = sorted({op["op_name"] for op in interpreter._get_ops_details()})  # pylint: disable=protected-access
        inputs, outputs = [], []
        for _ in range(samples):
            interpreter.reset_all_variables()  # an LSTM's states: each sample starts from zero
            for detail in interpreter.get_input_details():
                sample = sample_input(detail, rng)
                interpreter.set_tensor(detail["index"], sample)
                inputs.append(sample.tobytes())
            interpreter.invoke()
            for detail in interpreter.get_output_details():
                outputs.append(interpreter.get_tensor(detail["index"]).tobytes())
        path = os.path.join(args.output_dir, name)
        with open(path + ".tflite", "wb") as f:
            f.write(flatbuffer)
        with open(path + ".inputs.bin", "wb") as f:
            f.write(b"".join(inputs))
        with open(path + ".outputs.bin", "wb") as f:
            f.write(b"".join(outputs))
        if name in MICRO_REFERENCES:
            micro = os.environ.get("TFLM_PYTHON")
            if not micro:
                raise SystemExit(f"{name}: set TFLM_PYTHON to the python of a venv of requirements-micro.txt")
            subprocess.run([micro, os.path.join(os.path.dirname(__file__), "micro_references.py"), path], check=True)
        edges = [(tuple(d["shape"]), d["dtype"].__name__) for d in interpreter.get_input_details()]
        ends = [(tuple(d["shape"]), d["dtype"].__name__) for d in interpreter.get_output_details()]
        print(f"{name}: {len(flatbuffer)} bytes, inputs {edges}, outputs {ends}, operators {operators}")


if __name__ == "__main__":
    main()
