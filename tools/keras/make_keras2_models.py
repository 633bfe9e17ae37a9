#!/usr/bin/env python3
"""Legacy .h5 models written by Keras 2 (tf.keras 2.15), for tests/data/keras/keras2.

Keras 2's files differ from Keras 3's: the config's inbound nodes are
[layer, node, tensor, kwargs] lists, shapes are batch_input_shape, weight names end in
":0", empty weight lists are empty float arrays, and hard_sigmoid is 0.2 x + 0.5.
Files and references as make_models.py writes them (NAME.h5, NAME.sS.inI.npy,
NAME.sS.outO.npy, batch 1, Keras's own model.predict). Run with the venv of
tools/tflite/requirements.txt (TensorFlow 2.15 with Keras 2.15):
    /work/venv/tflite/bin/python tools/keras/make_keras2_models.py tests/data/keras/keras2
"""
import os
import sys

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

SAMPLES = 1  # one sample each keeps tests/data/keras under 300 KB


def keras2_cnn():
    """Functional, its convolutions a nested functional model (Keras 2 counts that
    model's first call, on its own Input, without saving it): Conv2D,
    BatchNormalization, DepthwiseConv2D, pools, Dense, Concatenate, Add, hard_sigmoid
    (Keras 2's)."""
    base_in = keras.Input(shape=(10, 10, 3))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(base_in)
    x = layers.BatchNormalization()(x)
    x = layers.DepthwiseConv2D(3)(x)
    features = keras.Model(base_in, x, name="features")
    image = keras.Input(shape=(10, 10, 3), name="image")
    x = layers.MaxPooling2D()(features(image))
    a = layers.GlobalAveragePooling2D()(x)
    b = layers.Dense(4, activation="hard_sigmoid")(layers.Flatten()(x))
    y = layers.Concatenate()([a, b])
    y = layers.Add()([layers.Dense(5)(y), layers.Dense(5, activation="sigmoid")(y)])
    outputs = layers.Dense(3, activation="softmax")(y)
    return keras.Model(image, outputs, name="keras2_cnn")


def keras2_sequential():
    """Sequential without an InputLayer (the first layer's input_shape), LSTM and GRU."""
    return keras.Sequential([
        layers.LSTM(6, return_sequences=True, input_shape=(7, 3)),
        layers.GRU(4, recurrent_activation="hard_sigmoid"),
        layers.Dense(2),
    ], name="keras2_sequential")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/data/keras/keras2"
    os.makedirs(out_dir, exist_ok=True)
    keras.utils.set_random_seed(22)
    rng = np.random.default_rng(22)
    for build in (keras2_cnn, keras2_sequential):
        model = build()
        for layer in [l for m in [model] + [l for l in model.layers if isinstance(l, keras.Model)] for l in m.layers]:
            if isinstance(layer, layers.BatchNormalization):
                gamma, beta, mean, variance = layer.get_weights()
                layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.3, beta.shape),
                                   rng.normal(0, 0.3, mean.shape), rng.uniform(0.5, 2.0, variance.shape)])
        path = os.path.join(out_dir, f"{model.name}.h5")
        model.save(path)
        loaded = keras.models.load_model(path, compile=False)
        for s in range(SAMPLES):
            x = rng.normal(0.0, 1.0, (1,) + tuple(loaded.inputs[0].shape[1:])).astype(np.float32)
            np.save(os.path.join(out_dir, f"{model.name}.s{s}.in0.npy"), x)
            y = loaded.predict(x, verbose=0)
            np.save(os.path.join(out_dir, f"{model.name}.s{s}.out0.npy"), np.asarray(y, dtype=np.float32))
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
