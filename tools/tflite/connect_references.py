#!/usr/bin/env python3
"""References for `--connect` on TFLite models (tests/data/tflite/connect).

Two committed test models chained: elementwise's output PartitionedCall:0 feeds
more_operators' input serving_default_a:0. The TFLite interpreter's reference kernels run
the first model, then the second on that output, on one sample of random inputs. The
chained entry point's inputs are the first model's inputs and the second's that are not
fed, in model order; its outputs the first model's that feed nothing, then the second's
(docs/cli.md). Written as .npy files for `modelc run --input ... --expect ...`:

  chain.in<i>.npy, chain.out<o>.npy

Run from the repository root with the venv of tools/tflite/requirements.txt:

  /work/venv/tflite/bin/python tools/tflite/connect_references.py tests/data/tflite
"""
import argparse
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from make_models import reference_interpreter  # noqa: E402

FIRST, FED, SECOND, FEEDS = "elementwise", "PartitionedCall:0", "more_operators", "serving_default_a:0"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", help="tests/data/tflite")
    args = parser.parse_args()
    rng = np.random.default_rng(9000)
    first = reference_interpreter(open(os.path.join(args.data_dir, FIRST + ".tflite"), "rb").read())
    second = reference_interpreter(open(os.path.join(args.data_dir, SECOND + ".tflite"), "rb").read())
    inputs, outputs = [], []
    for detail in first.get_input_details():
        sample = rng.uniform(-1.0, 1.0, detail["shape"]).astype(np.float32)
        first.set_tensor(detail["index"], sample)
        inputs.append(sample)
    first.invoke()
    fed = None
    for detail in first.get_output_details():
        value = first.get_tensor(detail["index"])
        if detail["name"] == FED:
            fed = value
        else:
            outputs.append(value)
    assert fed is not None, f"{FIRST} has no output {FED}"
    for detail in second.get_input_details():
        if detail["name"] == FEEDS:
            second.set_tensor(detail["index"], fed)
            continue
        sample = rng.uniform(-1.0, 1.0, detail["shape"]).astype(np.float32)
        second.set_tensor(detail["index"], sample)
        inputs.append(sample)
    second.invoke()
    outputs += [second.get_tensor(d["index"]) for d in second.get_output_details()]
    folder = os.path.join(args.data_dir, "connect")
    os.makedirs(folder, exist_ok=True)
    for i, value in enumerate(inputs):
        np.save(os.path.join(folder, f"chain.in{i}.npy"), value)
    for o, value in enumerate(outputs):
        np.save(os.path.join(folder, f"chain.out{o}.npy"), value)
    print(f"{len(inputs)} inputs, {len(outputs)} outputs in {folder}")


if __name__ == "__main__":
    main()
