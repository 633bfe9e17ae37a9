"""modelc.load: runs a model compiled for this machine through its descriptor
(NAME_model_info, include/modelc/abi.h), with ctypes, on numpy arrays."""
import ctypes
import os
import pathlib
import shutil
import subprocess
from typing import List

import numpy as np

from modelc._compile import Compiled, ModelcError

# modelc_tensor_info's element types (ONNX's codes) as numpy types.
_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
           9: np.bool_, 12: np.uint32, 13: np.uint64}


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("element_type", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("byte_size", ctypes.c_uint64)]


_RUN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p),
                        ctypes.c_void_p)


class _ModelInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("abi_version", ctypes.c_uint32), ("input_count", ctypes.c_uint32),
                ("output_count", ctypes.c_uint32), ("inputs", ctypes.POINTER(_TensorInfo)),
                ("outputs", ctypes.POINTER(_TensorInfo)), ("scratch_size", ctypes.c_uint64),
                ("scratch_alignment", ctypes.c_uint64), ("scratch_lower_bound", ctypes.c_uint64),
                ("run", _RUN), ("run_with_weights", ctypes.c_void_p), ("weights_bytes", ctypes.c_uint64),
                ("pool_count", ctypes.c_uint32), ("pools", ctypes.c_void_p), ("run_with_pools", ctypes.c_void_p)]


class Model:
    """A compiled model loaded into this process: call it with one numpy array per
    input (converted to the input's type and shape); it returns one array per output."""

    def __init__(self, library: ctypes.CDLL, info: _ModelInfo):
        self._library = library  # keeps the code loaded
        self._info = info
        if info.pool_count:
            raise ModelcError("the model was compiled with --pool (for firmware); compile it without to load it")
        if not info.run:
            raise ModelcError("the model takes external weights; compile it with embedded weights to load it")
        self.inputs = [self._describe(info.inputs[i]) for i in range(info.input_count)]
        self.outputs = [self._describe(info.outputs[i]) for i in range(info.output_count)]
        alignment = int(info.scratch_alignment) or 1
        self._scratch_bytes = np.zeros(int(info.scratch_size) + alignment, dtype=np.uint8)
        offset = (-self._scratch_bytes.ctypes.data) % alignment
        self._scratch = self._scratch_bytes.ctypes.data + offset

    @staticmethod
    def _describe(tensor: _TensorInfo):
        shape = tuple(tensor.shape[d] for d in range(tensor.rank))
        return tensor.name.decode(errors="replace"), _DTYPES[tensor.element_type], shape

    def __call__(self, *arrays) -> List[np.ndarray]:
        if len(arrays) != len(self.inputs):
            raise ValueError(f"the model takes {len(self.inputs)} inputs, got {len(arrays)}")
        inputs = []
        for (name, dtype, shape), array in zip(self.inputs, arrays):
            array = np.asarray(array)
            if array.size != int(np.prod(shape, dtype=np.int64)):
                raise ValueError(f"input '{name}' has {int(np.prod(shape))} elements, got an array of shape {array.shape}")
            inputs.append(np.ascontiguousarray(array.reshape(shape), dtype=dtype))
        outputs = [np.empty(shape, dtype=dtype) for _, dtype, shape in self.outputs]
        input_pointers = (ctypes.c_void_p * max(1, len(inputs)))(*[a.ctypes.data for a in inputs])
        output_pointers = (ctypes.c_void_p * max(1, len(outputs)))(*[a.ctypes.data for a in outputs])
        status = self._info.run(input_pointers, output_pointers, ctypes.c_void_p(self._scratch))
        if status != 0:
            raise ModelcError(f"the model returned status {status}")
        return outputs


def load(compiled: Compiled) -> Model:
    """Links the host object into a shared library beside it (with the C compiler, $CC
    or cc) and loads it. The model must have been compiled for this machine."""
    if compiled.target:
        raise ModelcError(f"the model was compiled for {compiled.target}; compile it for this machine to load it")
    library_path = pathlib.Path(compiled.object_path).with_suffix(".so")
    compiler = os.environ.get("CC") or shutil.which("cc") or "cc"
    result = subprocess.run([compiler, "-shared", "-o", str(library_path), str(compiled.object_path)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ModelcError(f"cannot link {compiled.object_path} into a shared library: {result.stderr.strip()}")
    library = ctypes.CDLL(str(library_path))
    info = _ModelInfo.in_dll(library, f"{compiled.name}_model_info")
    return Model(library, info)
