"""modelc.compile: runs the modelc executable and reads what it wrote."""
import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
from typing import Optional, Sequence, Union


class ModelcError(RuntimeError):
    """modelc refused the model; the message is its one-line error."""


@dataclasses.dataclass(frozen=True)
class Compiled:
    """What one compilation produced: NAME.o, NAME.h and the parsed NAME.report.json."""

    name: str
    object_path: pathlib.Path
    header_path: pathlib.Path
    report: dict
    target: Optional[str]


def _binary() -> str:
    binary = os.environ.get("MODELC_BINARY") or shutil.which("modelc")
    if not binary:
        raise ModelcError("no modelc executable: install modelc or set MODELC_BINARY")
    return binary


def _is_keras_model(model) -> bool:
    """A Keras model object (keras.Model, Sequential or functional), told without
    importing Keras: its class, or one of its bases, comes from the keras package."""
    return any(base.__module__.split(".")[0] in ("keras", "tf_keras") for base in type(model).__mro__) \
        and hasattr(model, "save")


def _model_file(model, folder: pathlib.Path) -> pathlib.Path:
    """The file modelc compiles: `model` itself when it is a path, else the object saved
    into `folder` in its own format (ONNX's protobuf, a Keras 3 `.keras` archive)."""
    if isinstance(model, (str, os.PathLike)):
        return pathlib.Path(model)
    if hasattr(model, "SerializeToString"):  # an onnx.ModelProto
        path = folder / "model.onnx"
        path.write_bytes(model.SerializeToString())
        return path
    if _is_keras_model(model):
        path = folder / "model.keras"
        model.save(path)
        return path
    raise TypeError(f"model must be a path, an onnx.ModelProto or a Keras model, not {type(model).__name__}")


def compile(model: Union[str, os.PathLike, "onnx.ModelProto", "keras.Model"], *, name: str = "model",  # noqa: A001
            target: Optional[str] = None, cpu: Optional[str] = None, outputs: Sequence[str] = (),
            inputs: Sequence[str] = (), batch: Optional[str] = None, dims: Optional[dict] = None,
            optimize: Optional[str] = None, weights_int8: Optional[str] = None, requantize: Optional[str] = None,
            quantize: Optional[str] = None, calibration: Union[str, os.PathLike, None] = None,
            output_dir: Union[str, os.PathLike, None] = None, extra_args: Sequence[str] = ()) -> Compiled:
    """Compiles `model` (a file path, an onnx.ModelProto or a Keras model) into output_dir (a new
    temporary folder by default) and returns the files and the report. The keywords are
    modelc's flags: --name, --target, --cpu, --outputs, --inputs, --batch, --dim, --optimize
    ("memory", "balanced", "speed", "size"), --weights-int8 ("keep", "fold"), --requantize ("float",
    "fixed-point"), --quantize ("int8": the
    float model quantised first on the samples in the folder `calibration`, as quantize() does;
    NAME_int8.onnx and NAME_int8.quantize.txt are written beside the object)."""
    if (quantize is None) != (calibration is None):
        raise ValueError("quantize= and calibration= go together (quantize=\"int8\", calibration=FOLDER)")
    folder = pathlib.Path(output_dir) if output_dir is not None else pathlib.Path(tempfile.mkdtemp(prefix="modelc-"))
    folder.mkdir(parents=True, exist_ok=True)
    arguments = [_binary(), "compile", str(_model_file(model, folder)), "--name", name, "-o", str(folder),
                 "--report-json"]
    if target:
        arguments += ["--target", target]
    if cpu:
        arguments += ["--cpu", cpu]
    if outputs:
        arguments += ["--outputs", ",".join(outputs)]
    if inputs:
        arguments += ["--inputs", ",".join(inputs)]
    if batch:
        arguments += ["--batch", batch]
    for symbol, value in (dims or {}).items():
        arguments += ["--dim", f"{symbol}={value}"]
    if optimize:
        arguments += ["--optimize", optimize]
    if weights_int8:
        arguments += ["--weights-int8", weights_int8]
    if requantize:
        arguments += ["--requantize", requantize]
    if quantize is not None:
        arguments += ["--quantize", quantize, "--calibration", str(calibration)]
    arguments += list(extra_args)
    result = subprocess.run(arguments, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ModelcError((result.stderr or result.stdout).strip())
    report = json.loads((folder / f"{name}.report.json").read_text())
    return Compiled(name=name, object_path=folder / f"{name}.o", header_path=folder / f"{name}.h", report=report,
                    target=target)


@dataclasses.dataclass(frozen=True)
class Quantized:
    """What `modelc quantize` wrote: the int8 QDQ ONNX model and its report (each int8
    tensor's scale, zero point, range and SQNR against the float model, as text)."""

    model_path: pathlib.Path
    report_path: pathlib.Path
    report: str


def quantize(model: Union[str, os.PathLike, "onnx.ModelProto"], calibration: Union[str, os.PathLike], *,
             output: Union[str, os.PathLike, None] = None, method: str = "minmax",
             percentile: Optional[float] = None, dims: Optional[dict] = None) -> Quantized:
    """`modelc quantize`: an int8 QDQ ONNX model of the float model `model`, calibrated on the
    samples in the folder `calibration` (.npy / .pb files, raw .bin files, or a subfolder per
    sample), written to `output` (model_int8.onnx in a new temporary folder by default).
    method: "minmax" or "percentile" (keeping `percentile` percent of the values)."""
    needs_folder = output is None or not isinstance(model, (str, os.PathLike))
    folder = pathlib.Path(tempfile.mkdtemp(prefix="modelc-")) if needs_folder else None
    output = pathlib.Path(output) if output is not None else folder / "model_int8.onnx"
    arguments = [_binary(), "quantize", str(_model_file(model, folder)), "--calibration", str(calibration),
                 "-o", str(output), "--method", method]
    if percentile is not None:
        arguments += ["--percentile", str(percentile)]
    for symbol, value in (dims or {}).items():
        arguments += ["--dim", f"{symbol}={value}"]
    result = subprocess.run(arguments, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ModelcError((result.stderr or result.stdout).strip())
    report_path = output.with_suffix(".quantize.txt")
    return Quantized(model_path=output, report_path=report_path, report=report_path.read_text())
