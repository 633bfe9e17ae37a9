#!/usr/bin/env python3
"""Records a TFLite model's references with TensorFlow Lite Micro's interpreter.

For the int8 models where TensorFlow's own reference kernel is wrong (make_int8_models.py's
MICRO_REFERENCES, each with its reason), the references come from TFLite Micro, whose
kernels share TFLite's reference arithmetic: NAME.outputs.bin is rewritten from the
interpreter's outputs for each sample of NAME.inputs.bin (the layout of make_int8_models.py:
each sample's inputs, then each sample's outputs, in model order, in their element types).
It needs the PyPI package of tools/tflite/requirements-micro.txt, in a virtual environment of
its own (it wants a newer numpy than tensorflow-cpu 2.15):

  python3 -m venv VENV && VENV/bin/pip install -r tools/tflite/requirements-micro.txt
  VENV/bin/python tools/tflite/micro_references.py tests/data/tflite_int8/NAME
"""
import argparse

import numpy as np
from tflite_micro.python.tflite_micro import runtime


def details(lookup):
    """Every input's or output's details, in order (the runtime has no count)."""
    found = []
    while True:
        try:
            found.append(lookup(len(found)))
        except (IndexError, RuntimeError, ValueError):
            return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefix", help="the model's path without .tflite")
    args = parser.parse_args()
    with open(args.prefix + ".tflite", "rb") as f:
        interpreter = runtime.Interpreter.from_bytes(f.read())
    inputs, outputs = details(interpreter.get_input_details), details(interpreter.get_output_details)
    sizes = [int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize for d in inputs]
    with open(args.prefix + ".inputs.bin", "rb") as f:
        data = f.read()
    assert len(data) % sum(sizes) == 0, "the inputs file does not hold whole samples"
    written = []
    at = 0
    for _ in range(len(data) // sum(sizes)):
        for index, (detail, size) in enumerate(zip(inputs, sizes)):
            interpreter.set_input(np.frombuffer(data[at:at + size], detail["dtype"]).reshape(detail["shape"]), index)
            at += size
        interpreter.invoke()
        written.extend(interpreter.get_output(o).tobytes() for o in range(len(outputs)))
        interpreter.reset()
    with open(args.prefix + ".outputs.bin", "wb") as f:
        f.write(b"".join(written))
    print(f"{args.prefix}: {len(data) // sum(sizes)} samples from TFLite Micro")


if __name__ == "__main__":
    main()
