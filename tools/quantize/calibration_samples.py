"""Writes the digits models' calibration samples for `modelc quantize`'s tests.

tests/data/calibration/digits/digits.bin: the same 200 scikit-learn digits images ONNX
Runtime's quantiser calibrates the shipped digits models on (quantize_models.py's
digits_calibration: the last 200 images, none of them a test sample), float32 in
[0, 1], 64 values each, back to back: a raw sample file of either digits model
(digits_cnn takes [1, 1, 8, 8], digits_mlp [1, 64]: the same bytes).

  .venv/bin/python tools/quantize/calibration_samples.py tests/data/calibration/digits
"""
import os
import sys

import numpy as np
from sklearn.datasets import load_digits


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    images = load_digits().images.astype(np.float32) / 16.0
    images[-200:].reshape(200, 64).tofile(os.path.join(folder, "digits.bin"))


if __name__ == "__main__":
    main()
