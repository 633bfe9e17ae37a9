#!/usr/bin/env python3
"""Builds the small Keras test models of tests/data/keras and their references.

Each model gets random weights (no downloads; the seed is fixed) and is saved as Keras
3's `.keras` archive or as a legacy `.h5` file. For each of its SAMPLES inputs the
script writes the inputs and Keras's own `model.predict` outputs as .npy files, one
tensor each, with a batch of 1:

    NAME.keras (or NAME.h5)
    NAME.s<S>.in<I>.npy     input I of sample S, in the model's input order
    NAME.s<S>.out<O>.npy    output O of sample S, from model.predict

The references come from Keras only; nothing here looks at modelc's outputs.
Run with the venv of tools/keras/requirements.txt:
    KERAS_BACKEND=jax /work/venv/keras/bin/python tools/keras/make_models.py tests/data/keras
"""
import os
import sys
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

SAMPLES = 2


def randomize_batch_norm(model, rng):
    """Batch norm statistics away from 0 and 1, so that they matter in the outputs."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            randomize_batch_norm(layer, rng)
        if isinstance(layer, layers.BatchNormalization):
            weights = layer.get_weights()
            randomized = []
            for w, v in zip(layer.weights, weights):
                if "moving_variance" in w.path:
                    randomized.append(rng.uniform(0.5, 2.0, v.shape).astype(np.float32))
                elif "moving_mean" in w.path or "beta" in w.path:
                    randomized.append(rng.normal(0.0, 0.3, v.shape).astype(np.float32))
                else:
                    randomized.append(rng.uniform(0.5, 1.5, v.shape).astype(np.float32))
            layer.set_weights(randomized)


def _all_layers(model):
    """The model's layers, a nested model's in its place, in order."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)
        else:
            yield layer


def deflate_archive(path):
    """Keras stores the archive's members uncompressed; HDF5's empty space and the JSON
    compress well. The archive stays a valid .keras file (Keras and libzip read both)."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info, data in members:
            info.compress_type = zipfile.ZIP_DEFLATED
            info.date_time = (1980, 1, 1, 0, 0, 0)  # reproducible bytes
            archive.writestr(info, data)


def digits_cnn():
    """A small CNN for 28x28 digits-like images (Sequential)."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1), name="image"),
        layers.Rescaling(1.0 / 255.0, offset=-0.5),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.ZeroPadding2D(((1, 0), (0, 1))),
        layers.Conv2D(16, 3, strides=2, padding="valid", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.AveragePooling2D(2, padding="same"),
        layers.Flatten(),
        layers.Dropout(0.25),
        layers.Dense(10, activation="softmax"),
    ], name="digits_cnn")


def ds_cnn_kws():
    """A DS-CNN-like keyword spotter: MFCC frames in, 12 classes out (functional)."""
    x = inputs = keras.Input(shape=(49, 10, 1), name="mfcc")
    x = layers.Conv2D(16, (10, 4), strides=(2, 2), padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    for block in range(2):
        x = layers.DepthwiseConv2D(3, padding="same", use_bias=False, name=f"dw{block}")(x)
        x = layers.BatchNormalization(name=f"dw{block}_bn")(x)
        x = layers.ReLU(max_value=6.0, name=f"dw{block}_relu")(x)
        x = layers.Conv2D(16, 1, use_bias=False, name=f"pw{block}")(x)
        x = layers.BatchNormalization(name=f"pw{block}_bn")(x)
        x = layers.Activation("relu6", name=f"pw{block}_relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(12)(x)
    outputs = layers.Softmax()(x)
    return keras.Model(inputs, outputs, name="ds_cnn_kws")


def two_inputs():
    """Two inputs, two outputs: Add, Multiply, Concatenate, Reshape, dilated convolution."""
    image = keras.Input(shape=(12, 12, 3), name="image")
    features = keras.Input(shape=(8,), name="features")
    a = layers.Conv2D(6, 3, padding="same", dilation_rate=2, activation="tanh")(image)
    b = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="sigmoid")(image)
    merged = layers.Add()([a, b])
    pooled = layers.GlobalAveragePooling2D()(merged)
    f = layers.Dense(6, activation="relu")(features)
    gated = layers.Multiply()([pooled, f])
    joined = layers.Concatenate()([gated, f, pooled])
    grid = layers.Reshape((3, 6))(joined)
    flat = layers.Flatten()(grid)
    scores = layers.Dense(4, activation="softmax", name="scores")(flat)
    value = layers.Dense(1, activation="linear", name="value")(flat)
    return keras.Model([image, features], [scores, value], name="two_inputs")


def mlp_legacy():
    """A multi-layer perceptron saved as a legacy HDF5 file, its hidden layers a nested
    Sequential model (whose weights the file stores under the nested model's group)."""
    hidden = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(8, activation="tanh"),
    ], name="hidden")
    inputs = keras.Input(shape=(20,), name="features")
    outputs = layers.Dense(3, activation="softmax")(hidden(inputs))
    return keras.Model(inputs, outputs, name="mlp_legacy")


def sequence_1d():
    """1-D layers: causal and dilated Conv1D, SpatialDropout1D, pools, LayerNormalization,
    Permute; activations gelu, swish, leaky_relu, softsign, mish, hard_silu, exponential,
    log_softmax."""
    x = inputs = keras.Input(shape=(16, 4), name="signal")
    x = layers.ZeroPadding1D((1, 2))(x)
    x = layers.Conv1D(8, 3, padding="causal", dilation_rate=2, activation="gelu")(x)
    x = layers.SpatialDropout1D(0.2)(x)
    for activation in ("leaky_relu", "softsign", "mish", "hard_silu", "tanh", "exponential"):
        x = layers.Activation(activation)(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.LayerNormalization()(x)
    x = layers.SeparableConv1D(6, 3, padding="same", activation="swish")(x)
    x = layers.AveragePooling1D(2, padding="same")(x)
    a = layers.GlobalMaxPooling1D()(x)
    b = layers.GlobalAveragePooling1D()(layers.Permute((2, 1))(x))
    x = layers.Concatenate()([a, b])
    outputs = layers.Dense(5, activation="selu")(x)
    log_probabilities = layers.Dense(3, activation="log_softmax")(x)
    return keras.Model(inputs, [outputs, log_probabilities], name="sequence_1d")


def transfer_nested():
    """A frozen base model used as a layer, a shared layer called twice, merges, activations."""
    base_in = keras.Input(shape=(16, 16, 3))
    y = layers.Conv2D(8, 3, activation="relu", name="block1_conv1")(base_in)
    y = layers.SeparableConv2D(8, 3, padding="same", name="block1_sepconv")(y)
    y = layers.MaxPooling2D(2, name="block1_pool")(y)
    base = keras.Model(base_in, y, name="base")
    base.trainable = False
    image = keras.Input(shape=(16, 16, 3), name="image")
    x = base(image)
    x = layers.GlobalMaxPooling2D()(x)
    shared = layers.Dense(8, activation="hard_sigmoid", name="shared")
    a = shared(x)
    b = shared(layers.LeakyReLU(negative_slope=0.1)(x))
    c = layers.Dense(8, activation="elu")(x)
    d = layers.PReLU()(layers.Dense(8)(x))
    merged = layers.Concatenate()([
        layers.Subtract()([a, b]),
        layers.Average()([a, c, d]),
        layers.Maximum()([a, c]),
        layers.Minimum()([b, d]),
    ])
    merged = layers.Activation("softplus")(merged)
    merged = layers.ELU(alpha=0.5)(merged)
    outputs = layers.Dense(3, activation="softmax", name="head")(merged)
    return keras.Model(image, outputs, name="transfer_nested")


def recurrent():
    """LSTM, GRU (reset_after both ways, go_backwards) and SimpleRNN, sequences and states."""
    x = inputs = keras.Input(shape=(10, 6), name="frames")
    sequence = layers.LSTM(8, return_sequences=True)(x)
    backwards = layers.GRU(6, return_sequences=True, go_backwards=True)(sequence)
    last = layers.SimpleRNN(5)(backwards)
    output, state_h, state_c = layers.LSTM(4, return_state=True)(sequence)
    plain = layers.GRU(3, reset_after=False, activation="relu")(x)
    joined = layers.Concatenate()([last, state_h, state_c, plain])
    return keras.Model(inputs, [joined, output, backwards], name="recurrent")


def vgg_transfer():
    """Issue #18's transfer-learning case: a frozen VGG-style base (VGG16's block and layer
    names, fewer filters) inside a new model with a new head."""
    base_in = keras.Input(shape=(16, 16, 3))
    y = base_in
    for block, filters in ((1, 8), (2, 16)):
        for conv in (1, 2):
            y = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"block{block}_conv{conv}")(y)
        y = layers.MaxPooling2D(2, name=f"block{block}_pool")(y)
    base = keras.Model(base_in, y, name="vgg_base")
    base.trainable = False
    image = keras.Input(shape=(16, 16, 3), name="image")
    x = base(image)
    x = layers.GlobalAveragePooling2D(name="features")(x)
    x = layers.Dense(16, activation="relu", name="fc")(x)
    outputs = layers.Dense(5, activation="softmax", name="predictions")(x)
    return keras.Model(image, outputs, name="vgg_transfer")


def more_layers():
    """Conv2DTranspose, Cropping, UpSampling (nearest and bilinear), channels_first layers,
    Normalization (given and adapted), TimeDistributed, Bidirectional, RepeatVector."""
    image = keras.Input(shape=(12, 12, 3), name="image")
    x = layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(image)
    x = layers.Cropping2D(((1, 2), (3, 0)))(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.UpSampling2D(2, interpolation="bilinear")(x)
    x = layers.Conv2DTranspose(2, 2, strides=2, padding="valid")(x)
    x = layers.UpSampling2D((1, 2))(x)
    a = layers.GlobalAveragePooling2D()(x)
    y = layers.Permute((3, 1, 2))(image)
    y = layers.Conv2D(4, 3, data_format="channels_first", activation="tanh")(y)
    y = layers.MaxPooling2D(2, data_format="channels_first")(y)
    b = layers.Dense(3)(layers.Flatten()(y))
    sequence = keras.Input(shape=(5, 4), name="sequence")
    s = layers.Normalization(mean=[0.1, -0.2, 0.3, 0.0], variance=[1.0, 2.0, 0.5, 4.0])(sequence)
    adapted = layers.Normalization()
    adapted.adapt(np.random.default_rng(5).normal(0.5, 2.0, (64, 5, 4)).astype(np.float32))
    s = layers.Add()([s, adapted(sequence)])
    s = layers.TimeDistributed(layers.Dense(3, activation="relu"))(s)
    c = layers.GlobalMaxPooling1D()(layers.UpSampling1D(2)(layers.Cropping1D((1, 1))(s)))
    s = layers.Bidirectional(layers.GRU(4, return_sequences=True))(s)
    s = layers.Bidirectional(layers.LSTM(3), merge_mode="sum")(s)
    d = layers.Flatten()(layers.RepeatVector(2)(s))
    outputs = layers.Dense(4, activation="softmax")(layers.Concatenate()([a, b, c, d]))
    # Each branch is an output too, so that no layer hides behind the softmax.
    return keras.Model([image, sequence], [outputs, a, b, c, d], name="more_layers")


def text_dot():
    """Integer token inputs: Embedding, Dot (batched, over chosen axes, normalised)."""
    tokens = keras.Input(shape=(6,), dtype="int32", name="tokens")
    e = layers.Embedding(20, 4)(tokens)
    q = layers.Dense(4)(e)
    scores = layers.Softmax()(layers.Dot(axes=2)([q, e]))
    context = layers.Dot(axes=(2, 1))([scores, e])
    pooled = layers.GlobalAveragePooling1D()(context)
    cosine = layers.Dot(axes=1, normalize=True)([pooled, layers.Dense(4)(pooled)])
    return keras.Model(tokens, [pooled, cosine], name="text_dot")


def mnist_dense():
    """Issue #18's first question: Input(shape=(784,)) + Dense(10, softmax), run on batches."""
    return keras.Sequential([keras.Input(shape=(784,)), layers.Dense(10, activation="softmax")], name="mnist_dense")


# Models whose first Dense kernel is also supplied at run time.
RUN_TIME_KERNEL = {"mlp_legacy"}


# A whole batch for a run-time batch (--batch batch): NAME.batch.pixels.u8 (bytes, the
# inputs are byte / 255) and NAME.batch.outputs.bin (raw float32 rows); the tests run
# its first 10 rows and all 20.
BATCHES = {"mnist_dense": 20}


# Intermediate tensors of vgg_transfer, for sample 0: what `--outputs` asks for and
# what `--inputs vgg_base` (the base's output) feeds the head with.
INTERMEDIATE = {"vgg_transfer": ("vgg_base", ["block1_conv2", "block2_pool"])}


MODELS = [
    (digits_cnn, "keras"),
    (ds_cnn_kws, "keras"),
    (two_inputs, "keras"),
    (mlp_legacy, "h5"),
    (sequence_1d, "keras"),
    (transfer_nested, "keras"),
    (recurrent, "keras"),
    (vgg_transfer, "keras"),
    (more_layers, "keras"),
    (mnist_dense, "keras"),
    (text_dot, "keras"),
]


def write_connected(out_dir, rng):
    """Issue #18's fourth question: one model's output as another's input. Separate Keras
    models saved alone in OUT_DIR/connect (compiled together with --connect by the
    tests), and the composed Keras models' outputs on the same inputs:
      encoder:code=classifier:code_in                       (a chain)
      image_features:image_embedding+text_features:text_embedding=joint_head:joined
    """
    folder = os.path.join(out_dir, "connect")
    os.makedirs(folder, exist_ok=True)
    x = keras.Input(shape=(32,), name="signal")
    encoder = keras.Model(x, layers.Dense(16, activation="relu", name="code")(x), name="encoder")
    code = keras.Input(shape=(16,), name="code_in")
    classifier = keras.Model(code, layers.Dense(4, activation="softmax", name="class_scores")(code), name="classifier")
    image = keras.Input(shape=(8, 8, 1), name="image")
    y = layers.Conv2D(4, 3, activation="relu")(image)
    image_features = keras.Model(image, layers.Dense(12, name="image_embedding")(layers.Flatten()(y)),
                                 name="image_features")
    text = keras.Input(shape=(10,), name="text")
    text_features = keras.Model(text, layers.Dense(6, activation="tanh", name="text_embedding")(text),
                                name="text_features")
    joined = keras.Input(shape=(18,), name="joined")
    joint_head = keras.Model(joined, layers.Dense(3, activation="softmax", name="joint_scores")(joined),
                             name="joint_head")
    for model in (encoder, classifier, image_features, text_features, joint_head):
        path = os.path.join(folder, f"{model.name}.keras")
        model.save(path)
        deflate_archive(path)
    signal = rng.normal(0.0, 1.0, (1, 32)).astype(np.float32)
    chain = keras.Model(x, classifier(encoder(x)))
    np.save(os.path.join(folder, "chain.in0.npy"), signal)
    np.save(os.path.join(folder, "chain.out0.npy"), np.asarray(chain.predict(signal, verbose=0), dtype=np.float32))
    pixels = rng.normal(0.0, 1.0, (1, 8, 8, 1)).astype(np.float32)
    words = rng.normal(0.0, 1.0, (1, 10)).astype(np.float32)
    both = layers.Concatenate()([image_features(image), text_features(text)])
    joint = keras.Model([image, text], joint_head(both))
    np.save(os.path.join(folder, "joint.in0.npy"), pixels)
    np.save(os.path.join(folder, "joint.in1.npy"), words)
    np.save(os.path.join(folder, "joint.out0.npy"),
            np.asarray(joint.predict([pixels, words], verbose=0), dtype=np.float32))


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/data/keras"
    os.makedirs(out_dir, exist_ok=True)
    keras.utils.set_random_seed(18)
    rng = np.random.default_rng(18)
    for build, extension in MODELS:
        model = build()
        randomize_batch_norm(model, rng)
        name = model.name
        path = os.path.join(out_dir, f"{name}.{extension}")
        model.save(path)
        if extension == "keras":
            deflate_archive(path)
        # The saved file, loaded back, makes the references: what modelc reads.
        loaded = keras.models.load_model(path, compile=False)
        for s in range(SAMPLES):
            inputs = []
            for i, tensor in enumerate(loaded.inputs):
                shape = (1,) + tuple(tensor.shape[1:])
                if "int" in str(tensor.dtype):  # token ids
                    inputs.append(rng.integers(0, 20, shape).astype(str(tensor.dtype)))
                    np.save(os.path.join(out_dir, f"{name}.s{s}.in{i}.npy"), inputs[-1])
                    continue
                scale = 255.0 if name == "digits_cnn" else 1.0
                x = rng.uniform(0.0, scale, shape) if scale != 1.0 else rng.normal(0.0, 1.0, shape)
                inputs.append(x.astype(np.float32))
                np.save(os.path.join(out_dir, f"{name}.s{s}.in{i}.npy"), inputs[-1])
            outputs = loaded.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
            if not isinstance(outputs, (list, tuple)):
                outputs = [outputs]
            for o, y in enumerate(outputs):
                np.save(os.path.join(out_dir, f"{name}.s{s}.out{o}.npy"), np.asarray(y, dtype=np.float32))
        if name in RUN_TIME_KERNEL:
            # A variable as input: the first Dense kernel replaced, as `--inputs
            # LAYER/kernel` supplies it at run time, and Keras's output after set_weights.
            layer = next(layer for layer in _all_layers(loaded) if isinstance(layer, layers.Dense))
            kernel, bias = layer.get_weights()
            replacement = np.random.default_rng(3).normal(0.0, 0.3, kernel.shape).astype(np.float32)
            layer.set_weights([replacement, bias])
            np.save(os.path.join(out_dir, f"{name}.{layer.name}.kernel.npy"), replacement)
            x = np.load(os.path.join(out_dir, f"{name}.s0.in0.npy"))
            np.save(os.path.join(out_dir, f"{name}.s0.set_kernel.npy"),
                    np.asarray(loaded.predict(x, verbose=0), dtype=np.float32))
        if name in BATCHES:
            # Pixels: bytes on disk (a quarter of the floats' size), p / 255 in float32 as
            # the test computes them.
            pixels = rng.integers(0, 256, (BATCHES[name],) + tuple(loaded.inputs[0].shape[1:])).astype(np.uint8)
            pixels.tofile(os.path.join(out_dir, f"{name}.batch.pixels.u8"))
            rows = pixels.astype(np.float32) / np.float32(255.0)
            np.asarray(loaded.predict(rows, verbose=0), dtype=np.float32).tofile(
                os.path.join(out_dir, f"{name}.batch.outputs.bin"))
        if name in INTERMEDIATE:
            base_name, layer_names = INTERMEDIATE[name]
            base = loaded.get_layer(base_name)
            probe = keras.Model(base.inputs, [base.get_layer(n).output for n in layer_names] + [base.outputs[0]])
            x = np.load(os.path.join(out_dir, f"{name}.s0.in0.npy"))
            values = probe.predict(x, verbose=0)
            for layer_name, value in zip(layer_names + [base_name], values):
                np.save(os.path.join(out_dir, f"{name}.s0.{layer_name}.npy"), np.asarray(value, dtype=np.float32))
        print(f"{path}: {os.path.getsize(path)} bytes, {len(loaded.inputs)} inputs, {len(loaded.outputs)} outputs")
    write_connected(out_dir, rng)


if __name__ == "__main__":
    main()
