#!/usr/bin/env python3
"""Builds the float TFLite test models of tests/data/tflite and their references.

Small Keras models, each covering a few TFLite builtin operators (with the fused
activations the converter folds into them), plus a float DS-CNN-like keyword-spotting
network, converted by TensorFlow's TFLiteConverter to float .tflite files. For each,
several random inputs and the outputs of the TFLite interpreter running its reference
kernels (OpResolverType.BUILTIN_REF) are written beside it:

  NAME.tflite        the model
  NAME.inputs.bin    float32 samples: for each sample, each model input in the
                     model's input order, row-major in its declared (NHWC) shape
  NAME.outputs.bin   float32 references: for each sample, each model output in order

The script checks that the models together contain every operator the TFLite frontend
supports and prints the builtin operators of each. Run it from the repository root
with the venv of tools/tflite/requirements.txt:

  /work/venv/tflite/bin/python tools/tflite/make_models.py tests/data/tflite [--only NAME...]

Each model has its own seeds (by its place in MODELS), so --only remakes one without
touching the others.
"""
import argparse
import os
import sys

import flatbuffers
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

layers = tf.keras.layers
SAMPLES = 3

# The builtin operators the frontend supports: every one must appear in some model.
REQUIRED_OPERATORS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "SUB", "MUL", "AVERAGE_POOL_2D",
    "MAX_POOL_2D", "MEAN", "RESHAPE", "SQUEEZE", "SOFTMAX", "LOGISTIC", "TANH", "RELU", "RELU6",
    "RELU_N1_TO_1", "CONCATENATION", "PAD", "MAXIMUM", "MINIMUM", "DIV", "PRELU", "LEAKY_RELU",
    "HARD_SWISH", "TRANSPOSE", "SUM", "EXPAND_DIMS", "PADV2", "STRIDED_SLICE", "SLICE", "SPLIT",
    "SPLIT_V", "PACK", "UNPACK", "GATHER", "ARG_MAX", "ARG_MIN", "CAST", "RESIZE_NEAREST_NEIGHBOR",
    "RESIZE_BILINEAR", "BATCH_MATMUL", "TRANSPOSE_CONV", "UNIDIRECTIONAL_SEQUENCE_LSTM",
}


def randomize_batch_norms(model, rng):
    """Gives every BatchNormalization non-trivial statistics, so folding them matters."""
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([
                rng.uniform(0.5, 1.5, gamma.shape).astype(np.float32),
                rng.uniform(-0.2, 0.2, beta.shape).astype(np.float32),
                rng.uniform(-0.2, 0.2, mean.shape).astype(np.float32),
                rng.uniform(0.5, 1.5, variance.shape).astype(np.float32),
            ])


def randomize_biases(model, rng):
    """Keras starts biases at zero; random ones test that they are read."""
    for layer in model.layers:
        if hasattr(layer, "bias") and layer.bias is not None:
            layer.bias.assign(rng.uniform(-0.3, 0.3, layer.bias.shape).astype(np.float32))


def conv_same_relu6():
    """CONV_2D, SAME, stride 1, fused RELU6; stride 2 on an even size (padding 0 before, 1 after)."""
    x = layers.Input((9, 10, 3), batch_size=1, name="image")
    y = layers.Conv2D(8, 3, padding="same", activation="relu6", name="conv_a")(x)
    y = layers.Conv2D(6, 3, strides=2, padding="same", name="conv_b")(y)
    return tf.keras.Model(x, y)


def conv_valid_dilated():
    """CONV_2D VALID with stride 2 and fused RELU; dilated SAME conv with fused TANH;
    a rectangular kernel."""
    x = layers.Input((11, 12, 2), batch_size=1, name="image")
    y = layers.Conv2D(5, 3, strides=2, padding="valid", activation="relu", name="valid")(x)
    y = layers.Conv2D(4, 3, dilation_rate=2, padding="same", activation="tanh", name="dilated")(y)
    y = layers.Conv2D(3, (1, 3), padding="same", name="rect")(y)
    return tf.keras.Model(x, y)


def depthwise():
    """DEPTHWISE_CONV_2D with a depth multiplier, stride 2 SAME, fused RELU; then VALID
    with fused RELU6."""
    x = layers.Input((9, 8, 4), batch_size=1, name="image")
    y = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="relu", name="dw_a")(x)
    y = layers.DepthwiseConv2D(3, padding="valid", activation="relu6", name="dw_b")(y)
    return tf.keras.Model(x, y)


def channels_last_convs():
    """Convolutions that read the image and write the outputs channels-last (#17), with 16
    channels (whole vectors of 4, 8 and 16 lanes): a depthwise 3x3 SAME with fused RELU
    then a pointwise CONV_2D, a depthwise stride 2 VALID, and a 3x3 SAME CONV_2D, all
    three reading the image."""
    x = layers.Input((6, 7, 16), batch_size=1, name="image")
    a = layers.DepthwiseConv2D(3, padding="same", activation="relu", name="dw_same")(x)
    y = layers.Conv2D(16, 1, name="pointwise")(a)
    z = layers.DepthwiseConv2D(3, strides=2, padding="valid", name="dw_stride")(x)
    w = layers.Conv2D(16, 3, padding="same", activation="tanh", name="conv_same")(x)
    return tf.keras.Model(x, [y, z, w])


def pools():
    """MAX_POOL_2D and AVERAGE_POOL_2D, SAME (the average counts only the window's
    elements inside the image) and VALID, concatenated on channels."""
    x = layers.Input((9, 7, 3), batch_size=1, name="image")
    a = layers.MaxPooling2D(3, strides=2, padding="same", name="max_same")(x)
    b = layers.AveragePooling2D(3, strides=2, padding="same", name="avg_same")(x)
    c = layers.MaxPooling2D(2, strides=2, padding="valid", name="max_valid")(x)
    d = layers.AveragePooling2D(2, strides=2, padding="valid", name="avg_valid")(x)
    top = layers.Concatenate(axis=-1, name="same_pools")([a, b])
    bottom = layers.Concatenate(axis=-1, name="valid_pools")([c, d])
    return tf.keras.Model(x, [top, bottom])


def dense():
    """FULLY_CONNECTED with fused RELU and TANH, a bias-free one, and SOFTMAX; a flatten
    (RESHAPE) of a conv's output feeds the first."""
    x = layers.Input((4, 4, 3), batch_size=1, name="image")
    y = layers.Conv2D(4, 3, padding="same", name="conv")(x)
    y = layers.Flatten(name="flatten")(y)
    y = layers.Dense(16, activation="relu", name="fc_relu")(y)
    y = layers.Dense(12, activation="tanh", name="fc_tanh")(y)
    y = layers.Dense(10, use_bias=False, name="fc_nobias")(y)
    y = layers.Softmax(name="probs")(y)
    return tf.keras.Model(x, y)


def elementwise():
    """ADD, SUB, MUL (with broadcasting and fused activations), LOGISTIC, TANH, RELU,
    RELU6, RELU_N1_TO_1; standalone RELU on a model input."""
    a = layers.Input((4, 5, 3), batch_size=1, name="a")
    b = layers.Input((4, 5, 3), batch_size=1, name="b")
    scale = tf.constant(np.array([0.5, -1.5, 2.0], np.float32))
    s = layers.ReLU(name="sum_relu")(layers.Add(name="sum")([a, b]))
    d = layers.Subtract(name="diff")([a, b])
    m = layers.Multiply(name="prod")([a, b])
    m = layers.Lambda(lambda t: t * scale, name="scaled")(m)
    outputs = [
        s,
        layers.Activation("sigmoid", name="logistic")(d),
        layers.Activation("tanh", name="tanh")(m),
        layers.ReLU(max_value=6.0, name="relu6")(layers.Lambda(lambda t: t * 4.0, name="x4")(d)),
        layers.Lambda(lambda t: tf.clip_by_value(t, -1.0, 1.0), name="relu_n1_to_1")(m),
        layers.Lambda(lambda t: tf.nn.relu(t - 0.25), name="sub_relu")(m),
        layers.ReLU(name="relu")(a),  # on a model input: nothing to fuse into
        layers.ReLU(max_value=6.0, name="relu6_of_input")(b),
    ]
    return tf.keras.Model([a, b], outputs)


def shapes():
    """PAD, CONCATENATION, MEAN (keep_dims false and true), RESHAPE, SQUEEZE and SOFTMAX
    after a scaling MUL."""
    x = layers.Input((6, 5, 4), batch_size=1, name="image")
    p = layers.ZeroPadding2D(((1, 2), (0, 1)), name="pad")(x)
    c = layers.Conv2D(4, (4, 2), padding="valid", name="conv")(p)
    j = layers.Concatenate(axis=-1, name="joined")([c, x])
    g = layers.GlobalAveragePooling2D(name="global_mean")(j)
    k = layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1], keepdims=True), name="row_mean")(j)
    # An output of its own, so that the converter keeps it apart from the flatten; it
    # becomes a RESHAPE, which restore_first_reshape turns back into a SQUEEZE.
    squeezed = layers.Lambda(lambda t: tf.squeeze(t, axis=[1]), name="squeeze")(k)
    flat = layers.Reshape((5 * 8,), name="flat")(squeezed)
    probs = layers.Lambda(lambda t: tf.nn.softmax(t * 2.0), name="sharp_softmax")(g)
    return tf.keras.Model(x, [probs, squeezed, flat])


def more_operators():
    """Beyond the first landing's list: MAXIMUM, MINIMUM, DIV, PRELU, LEAKY_RELU,
    HARD_SWISH, TRANSPOSE, SUM and EXPAND_DIMS (put back by restore_first_reshape)."""
    a = layers.Input((4, 5, 3), batch_size=1, name="a")
    b = layers.Input((4, 5, 3), batch_size=1, name="b")
    biggest = layers.Maximum(name="maximum")([a, b])
    smallest = layers.Lambda(lambda t: tf.minimum(t, 0.25), name="minimum")(a)
    ratio = layers.Lambda(lambda t: t[0] / (t[1] * t[1] + 1.0), name="div")([a, b])
    prelu = layers.PReLU(shared_axes=[1, 2], name="prelu")(b)
    leaky = layers.LeakyReLU(alpha=0.2, name="leaky")(ratio)
    swish = layers.Lambda(lambda t: t * tf.nn.relu6(t + 3.0) * (1.0 / 6.0), name="hard_swish")(
        layers.Lambda(lambda t: t * 4.0, name="x4")(a))
    swapped = layers.Lambda(lambda t: tf.transpose(t, [0, 2, 1, 3]), name="transpose")(biggest)
    summed = layers.Lambda(lambda t: tf.reduce_sum(t, axis=[1, 2]), name="sum")(smallest)
    expanded = layers.Lambda(lambda t: tf.expand_dims(t, axis=1), name="expand")(summed)
    return tf.keras.Model([a, b], [prelu, leaky, swish, swapped, expanded])


def ds_cnn_kws():
    """A float DS-CNN-like keyword spotter (MLPerf Tiny's architecture at 32 channels):
    a 10x4 stride-2 conv, four depthwise-separable blocks, global average, 12 classes."""
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


def slicing():
    """PADV2, STRIDED_SLICE (begin/end masks, negative strides, a shrunk axis), SLICE,
    SPLIT, SPLIT_V, PACK, UNPACK, GATHER (constant indices), ARG_MAX and ARG_MIN (int32
    and int64, made float by CAST)."""
    x = layers.Input((6, 5, 4), batch_size=1, name="image")
    padded = layers.Lambda(lambda t: tf.pad(t, [[0, 0], [1, 0], [2, 1], [0, 0]], constant_values=0.5),
                           name="padv2")(x)
    strided = layers.Lambda(lambda t: t[:, 1::2, ::-2, 1:3], name="strided_slice")(padded)
    shrunk = layers.Lambda(lambda t: t[:, 2, 1:, :], name="strided_slice_shrink")(x)
    sliced = layers.Lambda(lambda t: tf.slice(t, [0, 1, 0, 1], [1, 4, -1, 2]), name="slice")(x)
    halves = layers.Lambda(lambda t: tf.split(t, 2, axis=3), name="split")(x)
    parts = layers.Lambda(lambda t: tf.split(t, [1, 3, 2], axis=1), name="split_v")(x)
    stacked = layers.Lambda(lambda t: tf.stack([t[0] * 2.0, t[1]], axis=2), name="pack")(halves)
    rows = layers.Lambda(lambda t: tf.unstack(t, axis=1), name="unpack")(parts[1])
    rows_sum = layers.Add(name="rows_sum")([rows[0], rows[2]])
    gathered = layers.Lambda(lambda t: tf.gather(t, [3, 0, 0, 2], axis=2), name="gather")(x)
    largest = layers.Lambda(lambda t: tf.cast(tf.argmax(t, axis=3, output_type=tf.int32), tf.float32),
                            name="arg_max")(x)
    smallest = layers.Lambda(lambda t: tf.cast(tf.argmin(t, axis=1), tf.float32), name="arg_min")(x)
    return tf.keras.Model(x, [strided, shrunk, sliced, stacked, rows_sum, parts[2], gathered, largest, smallest])


def resizing_and_products():
    """RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR (half-pixel centres, aligned corners,
    neither), TRANSPOSE_CONV (SAME and VALID, with a bias and a fused RELU), BATCH_MATMUL
    (adjoints, a broadcast batch)."""
    x = layers.Input((5, 4, 3), batch_size=1, name="image")
    a = layers.Input((2, 4, 6), batch_size=1, name="a")
    b = layers.Input((2, 5, 6), batch_size=1, name="b")
    nearest = layers.UpSampling2D((2, 3), interpolation="nearest", name="up_nearest")(x)
    bilinear = layers.UpSampling2D(2, interpolation="bilinear", name="up_bilinear")(x)
    aligned = layers.Lambda(lambda t: tf.compat.v1.image.resize_bilinear(t, [9, 7], align_corners=True),
                            name="aligned_bilinear")(x)
    aligned_nearest = layers.Lambda(
        lambda t: tf.compat.v1.image.resize_nearest_neighbor(t, [7, 9], align_corners=True), name="aligned_nearest")(x)
    plain = layers.Lambda(lambda t: tf.compat.v1.image.resize_bilinear(t, [8, 6]), name="plain_bilinear")(x)
    shrunk = layers.Lambda(lambda t: tf.compat.v1.image.resize_nearest_neighbor(t, [3, 3]), name="plain_nearest")(x)
    up = layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu", name="deconv_same")(x)
    up_valid = layers.Conv2DTranspose(2, (2, 3), strides=(1, 2), padding="valid", name="deconv_valid")(x)
    product = layers.Lambda(lambda t: tf.matmul(t[0], t[1], transpose_b=True), name="batch_matmul")([a, b])
    weights = tf.constant(np.linspace(-1.0, 1.0, 4 * 3, dtype=np.float32).reshape(4, 3))
    adjoint = layers.Lambda(lambda t: tf.matmul(t, weights, transpose_a=True), name="batch_matmul_adj")(product)
    return tf.keras.Model([x, a, b], [nearest, bilinear, aligned, aligned_nearest, plain, shrunk, up, up_valid, adjoint])


def nearest_rounding():
    """RESIZE_NEAREST_NEIGHBOR where TFLite's float arithmetic picks another pixel than
    the same rule in double would: 14 -> 18 rows (9 x float(14/18) is just above 7),
    14 -> 23 rows with aligned corners, 4 -> 41 columns with half-pixel centres."""
    x = layers.Input((14, 4, 2), batch_size=1, name="image")
    return tf.keras.Model(x, [
        layers.Lambda(lambda t: tf.compat.v1.image.resize_nearest_neighbor(t, [18, 4]), name="rows")(x),
        layers.Lambda(lambda t: tf.compat.v1.image.resize_nearest_neighbor(t, [23, 4], align_corners=True),
                      name="aligned_rows")(x),
        layers.Lambda(lambda t: tf.image.resize(t, [14, 41], method="nearest"), name="half_pixel_columns")(x),
    ])


def lstm():
    """UNIDIRECTIONAL_SEQUENCE_LSTM (Keras LSTM layers: whole sequences, and the last step
    by a STRIDED_SLICE), its state starting at zero on every run."""
    x = layers.Input((6, 5), batch_size=1, name="sequence")
    y = layers.LSTM(8, return_sequences=True, name="lstm_sequence")(x)
    last = layers.LSTM(4, name="lstm_last")(y)
    return tf.keras.Model(x, [y, last])


def lstm_variant():
    """UNIDIRECTIONAL_SEQUENCE_LSTM as Keras never writes it, made by edit_lstm below:
    time-major input, a batch of three, peepholes, a cell clip of 0.05 that binds."""
    x = layers.Input((6, 5), batch_size=3, name="sequence")
    return tf.keras.Model(x, layers.LSTM(8, return_sequences=True, name="lstm")(x))


def edit_lstm(flatbuffer, rng):
    """The lstm_variant model's one UNIDIRECTIONAL_SEQUENCE_LSTM made time-major (its
    input and output [time, batch, ...]), given random peepholes, and its cell clip set
    to 0.05, so that the interpreter computes each of those paths."""
    from tensorflow.lite.python import schema_py_generated as schema  # pylint: disable=import-outside-toplevel
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(flatbuffer, 0))
    subgraph = model.subgraphs[0]
    (op,) = [op for op in subgraph.operators
             if max(model.operatorCodes[op.opcodeIndex].builtinCode,
                    model.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode)
             == schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM]
    op.builtinOptions.timeMajor = True
    op.builtinOptions.cellClip = 0.05
    for t in (op.inputs[0], op.outputs[0]):
        batch, time, depth = subgraph.tensors[t].shape
        subgraph.tensors[t].shape = np.array([time, batch, depth], np.int32)
    hidden = subgraph.tensors[op.inputs[1]].shape[0]
    inputs = list(op.inputs)
    for k in (9, 10, 11):
        buffer = schema.BufferT()
        buffer.data = rng.uniform(-1.0, 1.0, hidden).astype(np.float32).view(np.uint8)
        model.buffers.append(buffer)
        tensor = schema.TensorT()
        tensor.shape, tensor.type, tensor.buffer = np.array([hidden], np.int32), schema.TensorType.FLOAT32, len(model.buffers) - 1
        tensor.name = f"peephole{k}".encode()
        subgraph.tensors.append(tensor)
        inputs[k] = len(subgraph.tensors) - 1
    op.inputs = np.array(inputs, np.int32)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


MODELS = {
    "conv_same_relu6": conv_same_relu6,
    "conv_valid_dilated": conv_valid_dilated,
    "depthwise": depthwise,
    "pools": pools,
    "dense": dense,
    "elementwise": elementwise,
    "shapes": shapes,
    "ds_cnn_kws": ds_cnn_kws,
    "more_operators": more_operators,
    "slicing": slicing,
    "resizing_and_products": resizing_and_products,
    "nearest_rounding": nearest_rounding,
    "lstm": lstm,
    "lstm_variant": lstm_variant,
    "channels_last_convs": channels_last_convs,  # new models go last: the others keep their seeds
}


def convert(model):
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    return converter.convert()


def restore_first_reshape(flatbuffer, operator):
    """The converter turns a SQUEEZE or EXPAND_DIMS of static shape into a RESHAPE; this
    puts `operator` ("SQUEEZE" or "EXPAND_DIMS") back in place of the first RESHAPE that
    drops (inserts) one dimension of size 1, so the interpreter runs the real operator:
    SQUEEZE with squeeze_dims, EXPAND_DIMS with an int32 axis tensor."""
    from tensorflow.lite.python import schema_py_generated as schema  # pylint: disable=import-outside-toplevel
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(flatbuffer, 0))
    subgraph = model.subgraphs[0]
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = getattr(schema.BuiltinOperator, operator)
    code.version = 1
    model.operatorCodes.append(code)
    for op in subgraph.operators:
        if codes[op.opcodeIndex] != schema.BuiltinOperator.RESHAPE:
            continue
        in_shape = list(subgraph.tensors[op.inputs[0]].shape)
        out_shape = list(subgraph.tensors[op.outputs[0]].shape)
        longer, shorter = (in_shape, out_shape) if operator == "SQUEEZE" else (out_shape, in_shape)
        dims = [d for d in range(len(longer)) if longer[d] == 1 and longer[:d] + longer[d + 1:] == shorter]
        if not dims:
            continue
        op.opcodeIndex = len(model.operatorCodes) - 1
        op.inputs = op.inputs[:1]
        if operator == "SQUEEZE":
            op.builtinOptionsType = schema.BuiltinOptions.SqueezeOptions
            op.builtinOptions = schema.SqueezeOptionsT()
            op.builtinOptions.squeezeDims = dims[:1]
        else:
            buffer = schema.BufferT()
            buffer.data = np.array(dims[:1], np.int32).view(np.uint8)
            model.buffers.append(buffer)
            axis = schema.TensorT()
            axis.shape, axis.type, axis.buffer, axis.name = [1], schema.TensorType.INT32, len(model.buffers) - 1, b"axis"
            subgraph.tensors.append(axis)
            op.inputs = [op.inputs[0], len(subgraph.tensors) - 1]
            op.builtinOptionsType, op.builtinOptions = schema.BuiltinOptions.NONE, None
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())
    raise AssertionError(f"no RESHAPE to turn into {operator}")


def reference_interpreter(flatbuffer):
    interpreter = tf.lite.Interpreter(
        model_content=flatbuffer,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    return interpreter


def builtin_operators(interpreter):
    return sorted({op["op_name"] for op in interpreter._get_ops_details()})  # pylint: disable=protected-access


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output_dir")
    parser.add_argument("--only", nargs="+", choices=sorted(MODELS), help="make only these models")
    args = parser.parse_args()
    os.makedirs(args.output_dir, exist_ok=True)
    covered = set()
    for index, (name, build) in enumerate(MODELS.items()):
        if args.only and name not in args.only:
            continue
        tf.keras.utils.set_random_seed(1000 + index)
        rng = np.random.default_rng(2000 + index)
        model = build()
        randomize_batch_norms(model, rng)
        randomize_biases(model, rng)
        flatbuffer = convert(model)
        if name == "shapes":
            flatbuffer = restore_first_reshape(flatbuffer, "SQUEEZE")
        if name == "more_operators":
            flatbuffer = restore_first_reshape(flatbuffer, "EXPAND_DIMS")
        if name == "lstm_variant":
            flatbuffer = edit_lstm(flatbuffer, rng)
        interpreter = reference_interpreter(flatbuffer)
        operators = builtin_operators(interpreter)
        covered.update(operators)
        inputs, outputs = [], []
        for _ in range(SAMPLES):
            # Each sample from the models' initial state (an LSTM's state tensors are
            # variables, which the interpreter would otherwise carry from the last run).
            interpreter.reset_all_variables()
            for detail in interpreter.get_input_details():
                assert detail["dtype"] == np.float32, (name, detail)
                sample = rng.uniform(-1.0, 1.0, detail["shape"]).astype(np.float32)
                interpreter.set_tensor(detail["index"], sample)
                inputs.append(sample.ravel())
            interpreter.invoke()
            for detail in interpreter.get_output_details():
                outputs.append(interpreter.get_tensor(detail["index"]).astype(np.float32).ravel())
        path = os.path.join(args.output_dir, name)
        with open(path + ".tflite", "wb") as f:
            f.write(flatbuffer)
        np.concatenate(inputs).tofile(path + ".inputs.bin")
        np.concatenate(outputs).tofile(path + ".outputs.bin")
        shapes_in = [tuple(d["shape"]) for d in interpreter.get_input_details()]
        shapes_out = [tuple(d["shape"]) for d in interpreter.get_output_details()]
        print(f"{name}: {len(flatbuffer)} bytes, inputs {shapes_in}, outputs {shapes_out}, operators {operators}")
    missing = REQUIRED_OPERATORS - covered
    if missing and not args.only:
        sys.exit(f"no model covers {sorted(missing)}")
    if not args.only:
        print(f"all {len(REQUIRED_OPERATORS)} operators covered")


if __name__ == "__main__":
    main()
