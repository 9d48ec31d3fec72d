"""A small reader for TensorFlow Lite model files (the subset avdream's converter needs).

A .tflite file is a FlatBuffer with the schema of tensorflow/lite/schema/schema.fbs. This reads
it with the plain `flatbuffers` runtime (Debian: python3-flatbuffers), using the field numbers of
that schema, so no TensorFlow and no generated code is needed. It gives the operators in graph
order with their options and the constant tensors dequantized to float32 numpy arrays.

Only what MobileNet-style classifiers and YAMNet use is decoded; anything else is reported by
name so a file of another kind is refused clearly instead of being misread.
"""
import struct

import numpy as np
from flatbuffers import table as fb_table

# schema.fbs: enum TensorType
TENSOR_TYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 6: np.bool_, 7: np.int16,
                8: np.complex64, 9: np.int8}
# schema.fbs: enum BuiltinOperator (the ones these models use, and a few for clear messages)
OPERATORS = {
    0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
    6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL",
    19: "RELU", 21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 28: "TANH", 34: "PAD", 39: "STRIDED_SLICE",
    40: "MEAN", 41: "SUB", 49: "SPLIT", 53: "CAST", 60: "SQUEEZE", 65: "SLICE", 73: "LOG", 77: "ABS",
    83: "PACK", 114: "QUANTIZE", 126: "BATCH_MATMUL", 128: "CUMSUM", 150: "RFFT2D"}
# schema.fbs: enum ActivationFunctionType
ACTIVATIONS = {0: "none", 1: "relu", 2: "relu_n1_to_1", 3: "relu6", 4: "tanh"}
PADDING = {0: "same", 1: "valid"}


class TFLiteError(ValueError):
    """The file is not a TensorFlow Lite model this reader understands."""


class _Table:
    """One FlatBuffer table; fields are read by their number in the schema."""

    def __init__(self, buf, pos):
        self.t = fb_table.Table(buf, pos)

    def _offset(self, field):
        return self.t.Offset(4 + 2 * field)

    def scalar(self, field, fmt, default=0):
        o = self._offset(field)
        if not o:
            return default
        return struct.unpack_from("<" + fmt, self.t.Bytes, self.t.Pos + o)[0]

    def table(self, field):
        o = self._offset(field)
        return _Table(self.t.Bytes, self.t.Indirect(self.t.Pos + o)) if o else None

    def string(self, field):
        o = self._offset(field)
        return self.t.String(self.t.Pos + o).decode("utf-8", "replace") if o else ""

    def vector(self, field):
        """(start, length) of a vector field, or (0, 0)."""
        o = self._offset(field)
        if not o:
            return 0, 0
        return self.t.Vector(o), self.t.VectorLen(o)

    def tables(self, field):
        start, n = self.vector(field)
        return [_Table(self.t.Bytes, self.t.Indirect(start + 4 * i)) for i in range(n)]

    def array(self, field, dtype):
        start, n = self.vector(field)
        return np.frombuffer(self.t.Bytes, dtype=np.dtype(dtype).newbyteorder("<"), count=n, offset=start) if n else \
            np.zeros(0, dtype)


class Tensor:
    def __init__(self, t, buffers, data):
        self.name = t.string(3)
        self.shape = tuple(int(d) for d in t.array(0, np.int32))
        type_code = t.scalar(1, "b")
        if type_code not in TENSOR_TYPES:
            raise TFLiteError(f"tensor '{self.name}' has an unsupported type code {type_code}")
        self.dtype = TENSOR_TYPES[type_code]
        q = t.table(4)
        self.scale = q.array(2, np.float32) if q else np.zeros(0, np.float32)
        self.zero_point = q.array(3, np.int64) if q else np.zeros(0, np.int64)
        self.quantized_dimension = q.scalar(6, "i") if q else 0
        buffer = buffers[t.scalar(2, "I")]
        raw = buffer.array(0, np.uint8)
        if raw.size == 0 and buffer.scalar(1, "Q") > 1:  # large models keep data after the flatbuffer
            offset, size = buffer.scalar(1, "Q"), buffer.scalar(2, "Q")
            raw = np.frombuffer(data, np.uint8, count=size, offset=offset)
        self.raw = raw

    @property
    def is_constant(self):
        return self.raw.size > 0

    def values(self):
        """The constant's stored values, in their own type, shaped."""
        count = int(np.prod(self.shape)) if self.shape else 1
        itemsize = np.dtype(self.dtype).itemsize
        if self.raw.size != count * itemsize:
            raise TFLiteError(f"tensor '{self.name}': {self.raw.size} bytes of data for shape {self.shape}")
        return np.frombuffer(self.raw.tobytes(), dtype=np.dtype(self.dtype).newbyteorder("<")).reshape(self.shape)

    def dequantized(self):
        """float32 values: f = scale * (q - zero_point), per tensor or per channel."""
        v = self.values()
        if self.dtype in (np.float32, np.float16):
            return v.astype(np.float32)
        if self.scale.size == 0:
            raise TFLiteError(f"tensor '{self.name}' is integer without quantization parameters")
        scale = self.scale.astype(np.float64)
        zero = self.zero_point.astype(np.float64) if self.zero_point.size else np.zeros_like(scale)
        if scale.size > 1:  # per channel along quantized_dimension
            shape = [1] * v.ndim
            shape[self.quantized_dimension] = scale.size
            scale, zero = scale.reshape(shape), zero.reshape(shape)
        return (scale * (v.astype(np.float64) - zero)).astype(np.float32)

    def describe_quantization(self):
        if self.dtype in (np.float32, np.float16):
            return "float32"
        kind = {np.uint8: "uint8", np.int8: "int8", np.int32: "int32", np.int16: "int16"}.get(self.dtype, "?")
        return f"{kind} {'per-channel' if self.scale.size > 1 else 'per-tensor'}"


class Operator:
    def __init__(self, name, inputs, outputs, options):
        self.name, self.inputs, self.outputs, self.options = name, inputs, outputs, options


def _conv_options(o):
    if o is None:
        return {"padding": "same", "stride": (1, 1), "activation": "none", "dilation": (1, 1)}
    return {"padding": PADDING.get(o.scalar(0, "b")), "stride": (o.scalar(2, "i"), o.scalar(1, "i")),
            "activation": ACTIVATIONS.get(o.scalar(3, "b"), "?"),
            "dilation": (o.scalar(5, "i", 1), o.scalar(4, "i", 1))}


def _depthwise_options(o):
    return {"padding": PADDING.get(o.scalar(0, "b")), "stride": (o.scalar(2, "i"), o.scalar(1, "i")),
            "depth_multiplier": o.scalar(3, "i"), "activation": ACTIVATIONS.get(o.scalar(4, "b"), "?"),
            "dilation": (o.scalar(6, "i", 1), o.scalar(5, "i", 1))}


def _fused_activation(o, field):
    return {"activation": ACTIVATIONS.get(o.scalar(field, "b"), "?") if o else "none"}


OPTION_READERS = {
    "CONV_2D": _conv_options, "DEPTHWISE_CONV_2D": _depthwise_options,
    "FULLY_CONNECTED": lambda o: _fused_activation(o, 0), "ADD": lambda o: _fused_activation(o, 0),
}


class Model:
    """The first subgraph of a .tflite file: tensors and operators in execution order."""

    def __init__(self, data: bytes, name="model"):
        if len(data) < 8 or data[4:8] != b"TFL3":
            raise TFLiteError(f"{name}: not a TensorFlow Lite file (no TFL3 identifier)")
        try:
            root = _Table(data, struct.unpack_from("<I", data, 0)[0])
            buffers = root.tables(4)
            codes = []
            for c in root.tables(1):
                code = max(c.scalar(0, "b"), c.scalar(3, "i"))
                codes.append(OPERATORS.get(code, f"builtin #{code}" if not c.string(1) else c.string(1)))
            graphs = root.tables(2)
            if not graphs:
                raise TFLiteError(f"{name}: no subgraph")
            g = graphs[0]
            self.tensors = [Tensor(t, buffers, data) for t in g.tables(0)]
            self.inputs = [int(i) for i in g.array(1, np.int32)]
            self.outputs = [int(i) for i in g.array(2, np.int32)]
            self.operators = []
            for op in g.tables(3):
                op_name = codes[op.scalar(0, "I")]
                reader = OPTION_READERS.get(op_name)
                options = reader(op.table(4)) if reader else {}
                self.operators.append(Operator(op_name, [int(i) for i in op.array(1, np.int32)],
                                               [int(i) for i in op.array(2, np.int32)], options))
        except (struct.error, IndexError, ValueError) as e:
            if isinstance(e, TFLiteError):
                raise
            raise TFLiteError(f"{name}: damaged or truncated TensorFlow Lite file ({e})") from None

    @classmethod
    def load(cls, path):
        with open(path, "rb") as f:
            return cls(f.read(), str(path))

    def ops(self, name):
        return [op for op in self.operators if op.name == name]
