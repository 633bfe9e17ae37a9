"""Checks `modelc quantize` against ONNX Runtime: quantises the shipped digits models (on
tests/data/calibration/digits) and the benchmark networks of ../shared/models (on
mulberry32 seeds 100 to 115, as quantize_models.py calibrates ORT's), then runs each QDQ
model in ONNX Runtime and compiled by modelc (`modelc run`) on the test samples:

  - ORT with its graph optimisations off runs the QDQ model as ONNX defines it
    (DequantizeLinear -> float op -> QuantizeLinear); modelc's integer kernels should
    match it bit for bit;
  - ORT's default session fuses the QDQ groups into its own int8 kernels, which on
    x86-64 without VNNI saturate pairs of products at int16 (vpmaddubsw) for
    full-range int8 weights (quantize_models.py's note): it may differ;
  - the float model's class (argmax) beside the int8 model's.

  .venv/bin/python tools/quantize/check_modelc_quantize.py build/modelc ../shared/models
Prints one line per model. Developer tool; nothing here is committed output.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quantize_models import SHARED_TEST_SEEDS, mulberry32  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def session(path, optimise):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    if not optimise:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, options)


def check(modelc, float_model, calibration, samples, input_name, work):
    name = os.path.splitext(os.path.basename(float_model))[0]
    int8_model = os.path.join(work, name + "_int8.onnx")
    subprocess.run([modelc, "quantize", float_model, "--calibration", calibration, "-o", int8_model],
                   check=True, capture_output=True)
    reference, fused, floating = session(int8_model, False), session(int8_model, True), session(float_model, True)
    exact = fused_exact = total = same_class = 0
    for i, x in enumerate(samples):
        np.save(os.path.join(work, "x.npy"), x)
        out = os.path.join(work, "out")
        subprocess.run([modelc, "run", int8_model, "--input", os.path.join(work, "x.npy"), "--save-outputs", out],
                       check=True, capture_output=True)
        ours = np.load(os.path.join(out, "output_0.npy"))
        exact += int((ours == reference.run(None, {input_name: x})[0]).sum())
        fused_exact += int((ours == fused.run(None, {input_name: x})[0]).sum())
        total += ours.size
        same_class += int(np.argmax(ours) == np.argmax(floating.run(None, {input_name: x})[0]))
    print(f"{name}: modelc = ORT (QDQ as defined) on {exact}/{total} output elements; = ORT's fused int8 kernels "
          f"on {fused_exact}/{total}; class = float on {same_class}/{len(samples)}")


def main():
    modelc, shared = os.path.abspath(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as work:
        for name, shape in (("digits_mlp", [1, 64]), ("digits_cnn", [1, 1, 8, 8])):
            samples = np.fromfile(os.path.join(ROOT, "models", name + ".inputs.bin"), dtype=np.float32)
            samples = samples.reshape([-1] + shape)
            check(modelc, os.path.join(ROOT, "models", name + ".onnx"),
                  os.path.join(ROOT, "tests", "data", "calibration", "digits"), list(samples), "image", work)
        if not shared:
            return
        for file in sorted(os.listdir(shared)):
            if not file.endswith(".io.json"):
                continue
            manifest = json.load(open(os.path.join(shared, file)))
            shape, input_name = manifest["inputs"][0]["dims"], manifest["inputs"][0]["name"]
            count = int(np.prod(shape))
            calibration = os.path.join(work, "calibration")
            os.makedirs(calibration, exist_ok=True)
            np.concatenate([mulberry32(s, count) for s in range(100, 116)]).tofile(
                os.path.join(calibration, "samples.bin"))
            samples = [mulberry32(s, count).reshape(shape) for s in SHARED_TEST_SEEDS]
            check(modelc, os.path.join(shared, manifest["model"]), calibration, samples, input_name, work)


if __name__ == "__main__":
    main()
