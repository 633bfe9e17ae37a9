"""modelc from Python: compile a model with the modelc compiler, then run the compiled
object on numpy arrays to compare it with the framework.

    import modelc
    compiled = modelc.compile("model.onnx")          # or an onnx.ModelProto
    outputs = modelc.load(compiled)(x)               # numpy arrays in, numpy arrays out
    compiled.report["totals"]["scratch_bytes"]       # the JSON report
    int8 = modelc.compile("model.onnx", quantize="int8", calibration="samples/")  # int8 kernels

The package wraps the `modelc` executable: $MODELC_BINARY, else `modelc` on PATH (an
installed modelc, e.g. the Debian package).
"""
from modelc._compile import Compiled, ModelcError, Quantized, compile, quantize
from modelc._load import Model, load

__all__ = ["Compiled", "Model", "ModelcError", "Quantized", "compile", "load", "quantize"]
