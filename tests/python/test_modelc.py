"""The Python package against ONNX Runtime's outputs for the shipped models, and its
refusals. Run by ctest (python.package) with PYTHONPATH=python and MODELC_BINARY set."""
import os
import pathlib
import subprocess

import numpy as np
import pytest

import modelc

MODELS = pathlib.Path(__file__).resolve().parents[2] / "models"


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
