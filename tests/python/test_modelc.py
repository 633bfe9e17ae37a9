"""The Python package against ONNX Runtime's outputs for the shipped models and Keras's
own outputs for a Keras model object, and its refusals. Run by ctest (python.package)
through tests/python/run.sh, which `pip install`s ./python into a virtual environment
with Keras (tools/keras/requirements.txt) and sets MODELC_BINARY."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import modelc

MODELS = pathlib.Path(__file__).resolve().parents[2] / "models"


def test_the_package_is_the_installed_one():
    """Under run.sh, `import modelc` finds what pip installed, not the source tree."""
    environment = os.environ.get("MODELC_INSTALLED_IN")
    if not environment:
        pytest.skip("not run by tests/python/run.sh (no pip-installed package to check)")
    assert pathlib.Path(modelc.__file__).resolve().is_relative_to(pathlib.Path(environment).resolve())
    assert pathlib.Path(sys.prefix).resolve() == pathlib.Path(environment).resolve()


def _keras():
    """Keras, with the JAX backend (tools/keras/requirements.txt). run.sh installs it and
    sets MODELC_REQUIRE_KERAS, so there its absence fails; elsewhere it skips."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    if os.environ.get("MODELC_REQUIRE_KERAS") == "1":
        import keras  # noqa: PLC0415
        return keras
    return pytest.importorskip("keras")


def test_keras_model_object_matches_keras(tmp_path):
    """modelc.compile takes a Keras model object (saved as a .keras archive for the
    Keras frontend); the compiled model's outputs match Keras's own model.predict."""
    keras = _keras()
    keras.utils.set_random_seed(20261201)
    image = keras.Input((10, 10, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", name="conv")(image)
    x = keras.layers.BatchNormalization(name="norm")(x)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.DepthwiseConv2D(3, strides=2, name="depthwise")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    scores = keras.layers.Dense(5, activation="softmax", name="scores")(x)
    model = keras.Model(image, scores)
    # Non-trivial statistics, so that folding BatchNormalization is checked too.
    rng = np.random.default_rng(7)
    gamma, beta, mean, variance = model.get_layer("norm").get_weights()
    model.get_layer("norm").set_weights([gamma + rng.uniform(-0.5, 0.5, gamma.shape), beta + rng.normal(0, 0.3, 8),
                                         mean + rng.normal(0, 0.3, 8), variance + rng.uniform(0, 1, 8)])
    samples = rng.standard_normal((4, 10, 10, 3)).astype(np.float32)
    expected = model.predict(samples, verbose=0)

    compiled = modelc.compile(model, name="keras_net", output_dir=tmp_path)
    assert (tmp_path / "model.keras").exists() and compiled.object_path.exists()
    run = modelc.load(compiled)
    for sample, reference in zip(samples, expected):
        (probabilities,) = run(sample.reshape(1, 10, 10, 3))
        assert probabilities.shape == (1, 5)
        np.testing.assert_allclose(probabilities.reshape(-1), reference, rtol=1e-5, atol=1e-6)

    with pytest.raises(TypeError, match="Keras model"):
        modelc.compile(object(), output_dir=tmp_path / "none")


@pytest.mark.parametrize("model, samples, pixels, classes", [("digits_mlp", 8, 64, 10), ("digits_cnn", 8, 64, 10)])
def test_compiled_model_matches_onnx_runtime(tmp_path, model, samples, pixels, classes):
    compiled = modelc.compile(MODELS / f"{model}.onnx", name=model, output_dir=tmp_path)
    assert compiled.object_path.exists() and compiled.header_path.exists()
    assert compiled.report["totals"]["scratch_bytes"] > 0
    run = modelc.load(compiled)
    images = np.fromfile(MODELS / f"{model}.inputs.bin", dtype=np.float32).reshape(samples, pixels)
    expected = np.fromfile(MODELS / f"{model}.ort_outputs.bin", dtype=np.float32).reshape(samples, classes)
    for image, reference in zip(images, expected):
        (probabilities,) = run(image)
        np.testing.assert_allclose(probabilities.reshape(-1), reference, atol=1e-4)


def test_weight_only_int8_kept_or_folded(tmp_path):
    """weights_int8= is --weights-int8: kept, the products read int8 weights (a quarter of
    the float weights' bytes); folded, float weights. Both give ONNX Runtime's outputs."""
    samples = np.fromfile(MODELS / "digits_mlp.inputs.bin", dtype=np.float32).reshape(-1, 1, 64)
    references = np.fromfile(MODELS / "digits_mlp_weight_only.ort_outputs.bin", dtype=np.float32).reshape(-1, 1, 10)
    ops, weights = {}, {}
    for choice in ("keep", "fold"):
        compiled = modelc.compile(MODELS / "digits_mlp_weight_only.onnx", output_dir=tmp_path / choice,
                                  weights_int8=choice, optimize="speed")
        ops[choice] = {node["op"] for node in compiled.report["nodes"]}
        weights[choice] = sum(node["weight_bytes"] for node in compiled.report["nodes"])
        run = modelc.load(compiled)
        for sample, reference in zip(samples, references):
            np.testing.assert_allclose(run(sample)[0], reference, rtol=1e-5, atol=1e-6)
    assert "modelc.Int8WeightsMatMul" in ops["keep"] and "modelc.Int8WeightsMatMul" not in ops["fold"]
    assert weights["keep"] * 3 < weights["fold"]


def test_requantize_float_or_fixed_point(tmp_path):
    """requantize= is --requantize: the report says which form each int8 product uses, and
    both give ONNX Runtime's outputs for the int8 digits model (the fixed-point form can
    differ by a step where a product lies at a half; not on these images)."""
    samples = np.fromfile(MODELS / "digits_mlp.inputs.bin", dtype=np.float32).reshape(-1, 1, 64)
    references = np.fromfile(MODELS / "digits_mlp_int8.ort_outputs.bin", dtype=np.float32).reshape(-1, 1, 10)
    for choice in ("float", "fixed-point"):
        compiled = modelc.compile(MODELS / "digits_mlp_int8.onnx", output_dir=tmp_path / choice, requantize=choice)
        forms = {node["requantization"] for node in compiled.report["nodes"] if "requantization" in node}
        assert forms == {choice}
        run = modelc.load(compiled)
        for sample, reference in zip(samples, references):
            np.testing.assert_array_equal(run(sample)[0], reference)


def test_quantize_int8_classifies_like_float(tmp_path):
    """quantize= / calibration= is --quantize int8 --calibration: the float digits model
    quantised on its calibration images runs integer kernels and classifies the test
    images as ONNX Runtime's float outputs do (within one image); quantize() writes the
    QDQ model and its SQNR report."""
    calibration = MODELS.parent / "tests" / "data" / "calibration" / "digits"
    samples = np.fromfile(MODELS / "digits_mlp.inputs.bin", dtype=np.float32).reshape(-1, 1, 64)
    references = np.fromfile(MODELS / "digits_mlp.ort_outputs.bin", dtype=np.float32).reshape(-1, 10)
    compiled = modelc.compile(MODELS / "digits_mlp.onnx", output_dir=tmp_path / "int8", quantize="int8",
                              calibration=calibration)
    assert "QLinearMatMul" in {node["op"] for node in compiled.report["nodes"]}
    run = modelc.load(compiled)
    classes = [int(np.argmax(run(sample)[0])) for sample in samples]
    assert sum(a != b for a, b in zip(classes, np.argmax(references, axis=1))) <= 1
    quantized = modelc.quantize(MODELS / "digits_mlp.onnx", calibration, output=tmp_path / "q" / "mlp_int8.onnx",
                                method="percentile", percentile=99.9)
    assert quantized.model_path.exists() and "99.9 percentile" in quantized.report
    (tmp_path / "empty").mkdir()
    with pytest.raises(modelc.ModelcError, match="no samples"):
        modelc.quantize(MODELS / "digits_mlp.onnx", tmp_path / "empty")


def test_refusals_are_errors(tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07\x3a\xff\xff")
    with pytest.raises(modelc.ModelcError, match="broken.onnx"):
        modelc.compile(broken, output_dir=tmp_path / "out")
    compiled = modelc.compile(MODELS / "digits_mlp.onnx", output_dir=tmp_path / "m4", target="thumbv7em-none-eabihf")
    with pytest.raises(modelc.ModelcError, match="compiled for thumbv7em"):
        modelc.load(compiled)
    run = modelc.load(modelc.compile(MODELS / "digits_mlp.onnx", output_dir=tmp_path / "host"))
    with pytest.raises(ValueError, match="takes 1 inputs"):
        run()
    with pytest.raises(ValueError, match="elements"):
        run(np.zeros(3, dtype=np.float32))


def test_run_command_reads_and_writes_numpy_files(tmp_path):
    """`modelc run` (the host runner in runtime/host): an input NumPy wrote, outputs NumPy
    reads back, equal to ONNX Runtime's; a wrong expectation fails the command."""
    binary = os.environ.get("MODELC_BINARY", "modelc")
    images = np.fromfile(MODELS / "digits_cnn.inputs.bin", dtype=np.float32).reshape(8, 64)
    expected = np.fromfile(MODELS / "digits_cnn.ort_outputs.bin", dtype=np.float32).reshape(8, 10)
    np.save(tmp_path / "image.npy", images[5].reshape(1, 1, 8, 8))
    np.save(tmp_path / "expected.npy", expected[5].reshape(1, 10))
    (tmp_path / "tmp").mkdir()
    environment = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    command = [binary, "run", str(MODELS / "digits_cnn.onnx"), "--input", str(tmp_path / "image.npy")]
    result = subprocess.run(command + ["--expect", str(tmp_path / "expected.npy"), "--atol", "1e-4",
                                       "--save-outputs", str(tmp_path / "out")],
                            capture_output=True, text=True, env=environment, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches" in result.stdout
    saved = np.load(tmp_path / "out" / "output_0.npy")
    assert saved.dtype == np.float32 and saved.shape == (1, 10)
    np.testing.assert_allclose(saved.reshape(-1), expected[5], atol=1e-4)
    assert not list((tmp_path / "tmp").iterdir()), "the temporary folder was left behind"

    np.save(tmp_path / "wrong.npy", expected[5].reshape(1, 10) + 0.5)
    result = subprocess.run(command + ["--expect", str(tmp_path / "wrong.npy")],
                            capture_output=True, text=True, env=environment, check=False)
    assert result.returncode == 1 and "DIFFERS" in result.stdout, result.stdout + result.stderr
