#!/usr/bin/env python3
"""Quantises float ONNX models to int8 with ONNX Runtime's own quantiser, and records
ONNX Runtime's outputs on the int8 models: the references modelc's int8 path is tested
against (nobody here wrote them).

For each float model NAME.onnx in a folder with NAME.io.json and NAME.inputs.bin:
  NAME_int8.onnx               QDQ format, int8 activations (asymmetric) and int8
                               weights (symmetric, per output channel, 7-bit range),
                               int32 bias; min/max calibration
  NAME_int8.ort_outputs.bin    ORT's output (float32) for each sample of NAME.inputs.bin
  NAME_int8.io.json            the manifest, pointing at NAME.inputs.bin
  NAME_int8.ort_last_int8.bin  ORT's last quantised tensor before the float output op
                               (the input of the final DequantizeLinear -> Softmax), raw
                               int8 per sample: the integer path's reference. ORT runs a
                               trailing DQ -> Softmax -> Q as its QLinearSoftmax (a table
                               approximation of its own; ONNX defines it as float
                               Softmax, one step above at most), and so does modelc
                               (compiler/ops/qlinear_softmax): outputs bit for bit.

Weights use 7 of their 8 bits (reduce_range): on x86-64 without VNNI, ORT multiplies
uint8 activations by int8 weights with vpmaddubsw, which saturates a pair's sum at
int16, so ORT's own results are wrong for full-range weights (its documentation's
advice is this option); with 7-bit weights no pair can saturate and ORT computes the
exact integer arithmetic the ONNX operators define, the reference modelc must match.

Calibration data: the shipped digits models are calibrated on scikit-learn's digits
images that are not among the test samples (the first 200 of the training split the
generator used); other models on their own inputs.

  python3 -m venv .venv && .venv/bin/pip install -r tools/quantize/requirements.txt
  .venv/bin/python tools/quantize/quantize_models.py models
  .venv/bin/python tools/quantize/quantize_models.py --shared ../shared/models tests/data/int8
  .venv/bin/python tools/quantize/quantize_models.py --shared ../shared/models --qoperator \
      tests/data/int8_qoperator ds_cnn_kws resnet8 lenet mlp fc_autoencoder_ad

With --shared, the benchmark networks of ../shared/models (NAME.onnx and NAME.io.json)
are quantised into the output folder. Their inputs come from the generator their
shipped input came from (mulberry32, uniform in [-1, 1); seed 12345 gives
NAME.input.bin), so no input file is committed: calibration on seeds 100 to 115, test
samples seeds 12345, 1, 2 and 3 (tests/test_support.h's Mulberry32Floats makes the same).
Writes NAME_int8.onnx, NAME_int8.ort_outputs.bin, NAME_int8.ort_last_int8.bin,
NAME_int8.last_int8.txt and NAME_int8.io.json. With --qoperator the same quantisation is
written in ONNX Runtime's QOperator format (QLinearConv, com.microsoft's QGemm,
QLinearAdd, QLinearAveragePool, QLinearSoftmax between one QuantizeLinear and one
DequantizeLinear); its last int8 tensor is the final DequantizeLinear's input.

Developer tool: the committed files are what the tests read. Deterministic for a given
ONNX Runtime version.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType
from onnxruntime.quantization import quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process


class Samples(CalibrationDataReader):
    def __init__(self, name, samples):
        self._items = iter([{name: s} for s in samples])

    def get_next(self):
        return next(self._items, None)


def digits_calibration(shape):
    from sklearn.datasets import load_digits
    images = load_digits().images.astype(np.float32) / 16.0
    return [image.reshape(shape) for image in images[-200:]]


def run_ort(model_path, input_name, samples):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    return [session.run(None, {input_name: s})[0] for s in samples]


def last_quantised_tensor(model):
    """The int8 input of the DequantizeLinear feeding the op that writes the output
    (through its QuantizeLinear/DequantizeLinear pair), if the model ends that way; in
    the QOperator format, the int8 tensor the final DequantizeLinear reads."""
    producer = {o: n for n in model.graph.node for o in n.output}
    node = producer.get(model.graph.output[0].name)
    if node is not None and node.op_type == "DequantizeLinear":
        writer = producer.get(node.input[0])
        if writer is not None and writer.op_type != "QuantizeLinear":
            return node.input[0]
    for op in ("DequantizeLinear", "QuantizeLinear"):
        if node is None or node.op_type != op:
            return None
        node = producer.get(node.input[0])
    if node is None or not node.input or producer.get(node.input[0]) is None:
        return None
    dq = producer[node.input[0]]
    return dq.input[0] if dq.op_type == "DequantizeLinear" else None


def quantize(folder, name):
    manifest = json.load(open(os.path.join(folder, name + ".io.json")))
    shape = manifest["input"]["shape"]
    input_name = manifest["input"]["name"]
    data = np.fromfile(os.path.join(folder, name + ".inputs.bin"), dtype=np.float32)
    samples = [s.reshape(shape) for s in np.split(data, manifest["samples"])]
    calibration = digits_calibration(shape) if name.startswith("digits_") else samples
    float_model = os.path.join(folder, manifest["model"])
    prepared = os.path.join(folder, name + ".prepared.onnx")
    quant_pre_process(float_model, prepared, skip_symbolic_shape=True)
    out = os.path.join(folder, name + "_int8.onnx")
    quantize_static(prepared, out, Samples(input_name, calibration), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax, reduce_range=True,
                    extra_options={"ActivationSymmetric": False, "WeightSymmetric": True})
    os.remove(prepared)
    outputs = write_references(folder, name, out, input_name, shape, samples,
                               dict(manifest, model=name + "_int8.onnx", inputs=name + ".inputs.bin"))
    float_outputs = run_ort(float_model, input_name, samples)
    agree = sum(int(np.argmax(a) == np.argmax(b)) for a, b in zip(outputs, float_outputs))
    print(f"{name}_int8: {len(samples)} samples, int8 and float agree on {agree}; onnxruntime {ort.__version__}")


SHARED_TEST_SEEDS = [12345, 1, 2, 3]


def mulberry32(seed, count):
    """mulberry32 floats uniform in [-1, 1), as ../shared's inputs were made."""
    a = seed & 0xFFFFFFFF
    out = np.empty(count, dtype=np.float32)
    for i in range(count):
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = ((a ^ (a >> 15)) * (1 | a)) & 0xFFFFFFFF
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & 0xFFFFFFFF)) ^ t) & 0xFFFFFFFF
        out[i] = ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0 * 2 - 1
    return out


def quantize_shared(shared, out_folder, name, quant_format=QuantFormat.QDQ):
    manifest = json.load(open(os.path.join(shared, name + ".io.json")))
    spec = manifest["inputs"][0]
    shape, input_name = spec["dims"], spec["name"]
    count = int(np.prod(shape))
    calibration = [mulberry32(seed, count).reshape(shape) for seed in range(100, 116)]
    samples = [mulberry32(seed, count).reshape(shape) for seed in SHARED_TEST_SEEDS]
    shipped = np.fromfile(os.path.join(shared, name + ".input.bin"), dtype=np.float32).reshape(shape)
    assert np.array_equal(samples[0], shipped), "the generator does not reproduce the shipped input"
    out = os.path.join(out_folder, name + "_int8.onnx")
    prepared = os.path.join(out_folder, name + ".prepared.onnx")
    quant_pre_process(os.path.join(shared, name + ".onnx"), prepared, skip_symbolic_shape=True)
    quantize_static(prepared, out, Samples(input_name, calibration), quant_format=quant_format,
                    per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax, reduce_range=True,
                    extra_options={"ActivationSymmetric": False, "WeightSymmetric": True})
    os.remove(prepared)
    write_references(out_folder, name, out, input_name, shape, samples,
                     {"model": name + "_int8.onnx", "samples": len(samples),
                      "input": {"name": input_name, "shape": shape},
                      "inputs": {"generator": "mulberry32 uniform [-1, 1)", "seeds": SHARED_TEST_SEEDS}},
                     name_file=True)


def write_references(folder, name, out, input_name, shape, samples, manifest, name_file=False):
    """ORT's outputs (and its last int8 tensor, when the model ends in DQ -> op -> Q -> DQ)."""
    model = onnx.load(out)
    model.producer_name = "onnxruntime.quantization " + ort.__version__
    onnx.save(model, out)
    outputs = run_ort(out, input_name, samples)
    np.concatenate([o.astype(np.float32).ravel() for o in outputs]).tofile(
        os.path.join(folder, name + "_int8.ort_outputs.bin"))
    last = last_quantised_tensor(model)
    if last:
        cut = os.path.join(folder, name + "_int8.cut.onnx")
        out_shape = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
        cut_model = onnx.load(out)
        del cut_model.graph.output[:]
        cut_model.graph.output.append(onnx.helper.make_tensor_value_info(last, onnx.TensorProto.INT8, out_shape))
        onnx.save(cut_model, cut)
        np.concatenate([o.astype(np.int8).ravel() for o in run_ort(cut, input_name, samples)]).tofile(
            os.path.join(folder, name + "_int8.ort_last_int8.bin"))
        os.remove(cut)
        manifest["last_int8"] = last
        if name_file:  # tests/CMakeLists.txt reads the tensor's name from it
            with open(os.path.join(folder, name + "_int8.last_int8.txt"), "w") as f:
                f.write(last + "\n")
    json.dump(manifest, open(os.path.join(folder, name + "_int8.io.json"), "w"), indent=1)
    return outputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", help="quantise the benchmark networks of this folder into FOLDER")
    parser.add_argument("--qoperator", action="store_true",
                        help="with --shared: ONNX Runtime's QOperator format (QLinearConv, QGemm, ...), not QDQ")
    parser.add_argument("folder")
    parser.add_argument("names", nargs="*", help="models to quantise (default: every NAME.io.json not _int8)")
    args = parser.parse_args()
    if args.shared:
        for name in args.names or sorted(f[:-len(".onnx")] for f in os.listdir(args.shared) if f.endswith(".onnx")):
            quantize_shared(args.shared, args.folder, name,
                            QuantFormat.QOperator if args.qoperator else QuantFormat.QDQ)
            print(f"{name}_int8: written; onnxruntime {ort.__version__}")
        return
    names = args.names or sorted(f[:-len(".io.json")] for f in os.listdir(args.folder)
                                 if f.endswith(".io.json") and not f.endswith("_int8.io.json"))
    for name in names:
        quantize(args.folder, name)


if __name__ == "__main__":
    sys.exit(main())
