#!/usr/bin/python3
"""Independent validation of exported ONNX models with the reference `onnx` package.

Usage: check_onnx.py MODEL.onnx [MODEL.onnx ...]

For every model: onnx.checker.check_model(model, full_check=True) and
onnx.shape_inference.infer_shapes(model, strict_mode=True). Prints one line per model,
"OK <path>" or "FAIL <path>: <reason>", and exits 0 only when every model passed
(1 when one failed, 2 on a usage error or when the onnx package is missing).

When the model's opset is newer than the installed onnx package knows (Debian bookworm ships
onnx 1.12, which knows opsets up to 17), the model is first lowered to that opset and then
checked: the only operators whose signature changed after 17 in a way that matters here are the
Reduce* family (opset 18 moved `axes` from an attribute to an optional input), which is rewritten
back when the axes input is a constant int64 initializer; operators whose later versions only
widened the set of types are checked against the older schema; any other operator updated after
the installed onnx's opset makes the check fail, so nothing passes unchecked.
"""

import sys

try:
    import onnx
    from onnx import numpy_helper
except ImportError:
    print("FAIL: the Python package 'onnx' is missing; install it with: apt-get install python3-onnx", file=sys.stderr)
    sys.exit(2)

# Reduce operators whose `axes` became an input in opset 18 (ReduceSum did so in 13).
AXES_INPUT_SINCE_18 = {
    "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
    "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSumSquare",
}

# Operators updated in opsets 18-21, with what changed (ONNX Changelog).
UPDATED_AFTER_17 = {
    18: {"BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor", "CenterCropPad", "Col2Im",
         "GroupNormalization", "LpPool", "Mish", "OptionalGetElement", "OptionalHasElement",
         "Pad", "Resize", "ScatterElements", "ScatterND", "Split"} | AXES_INPUT_SINCE_18,
    19: {"AveragePool", "Cast", "CastLike", "Constant", "DeformConv", "DequantizeLinear", "Equal",
         "Identity", "If", "Loop", "Pad", "QuantizeLinear", "Reshape", "Resize", "Scan", "Shape", "Size"},
    20: {"AffineGrid", "ConstantOfShape", "DFT", "Gelu", "GridSample", "ImageDecoder", "IsInf",
         "IsNaN", "ReduceMax", "ReduceMin", "RegexFullMatch", "StringConcat", "StringSplit"},
    21: {"Cast", "CastLike", "Constant", "ConstantOfShape", "DequantizeLinear", "Flatten",
         "GroupNormalization", "Identity", "If", "Loop", "Pad", "QLinearMatMul", "QuantizeLinear",
         "Reshape", "Scan", "Shape", "Size", "Squeeze", "Transpose", "Unsqueeze"},
}

# Updates that only added element types (float8, int4, bfloat16, string, ...): the older schema checks
# everything else, and type inference under it still rejects any type it does not know.
TYPES_ONLY = {
    19: {"Cast", "Equal", "Identity", "Reshape", "Shape", "Size"},
    20: {"ReduceMax", "ReduceMin"},
    21: {"Cast", "Flatten", "Identity", "Reshape", "Shape", "Size", "Squeeze", "Transpose", "Unsqueeze"},
}


def default_opset(model):
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return entry.version
    raise ValueError("the model imports no default-domain (ai.onnx) opset")


def lower(model, source, target):
    """Rewrites a model of opset `source` as opset `target` (< source) for an older checker, or raises."""
    initializers = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            continue
        for version in range(target + 1, source + 1):
            if node.op_type not in UPDATED_AFTER_17.get(version, set()):
                continue
            if node.op_type in TYPES_ONLY.get(version, set()):
                continue
            if version == 18 and node.op_type in AXES_INPUT_SINCE_18:
                continue  # rewritten below
            raise ValueError(f"node '{node.name}' ({node.op_type}) uses a version from opset {version}, "
                             f"which onnx {onnx.__version__} cannot check; install a newer python3-onnx")
        if node.op_type == "Cast":
            for attr in node.attribute:
                if attr.name == "saturate":
                    raise ValueError(f"node '{node.name}' sets Cast's opset-19 'saturate' attribute, "
                                     f"which onnx {onnx.__version__} cannot check")
        if node.op_type in AXES_INPUT_SINCE_18 and source >= 18 > target:
            if any(a.name == "axes" for a in node.attribute):
                raise ValueError(f"node '{node.name}' ({node.op_type}) has an 'axes' attribute, "
                                 f"which opset {source} no longer allows")
            if any(a.name == "noop_with_empty_axes" and a.i != 0 for a in node.attribute):
                raise ValueError(f"node '{node.name}' sets noop_with_empty_axes, which opset {target} lacks")
            kept = [a for a in node.attribute if a.name != "noop_with_empty_axes"]
            if len(node.input) >= 2 and node.input[1]:
                axes_name = node.input[1]
                if axes_name not in initializers:
                    raise ValueError(f"node '{node.name}' ({node.op_type}) takes axes from '{axes_name}', "
                                     "which is not an initializer, so it cannot be lowered")
                axes_tensor = initializers[axes_name]
                if axes_tensor.data_type != onnx.TensorProto.INT64 or len(axes_tensor.dims) != 1:
                    raise ValueError(f"node '{node.name}' ({node.op_type}) has axes '{axes_name}' that are "
                                     "not a 1-D int64 tensor")
                axes = [int(a) for a in numpy_helper.to_array(axes_tensor)]
                kept.append(onnx.helper.make_attribute("axes", axes))
            del node.input[1:]
            del node.attribute[:]
            node.attribute.extend(kept)
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            entry.version = target
    model.ir_version = min(model.ir_version, onnx.IR_VERSION)
    # Initializers that only fed the rewritten axes inputs are now unused, which the checker allows.


def check(path):
    model = onnx.load(path)
    opset = default_opset(model)
    known = onnx.defs.onnx_opset_version()
    note = ""
    if opset > known:
        lower(model, opset, known)
        note = f" (opset {opset} lowered to {known} for onnx {onnx.__version__})"
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    return note


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = 0
    for path in argv[1:]:
        try:
            note = check(path)
            print(f"OK {path}{note}")
        except Exception as error:  # noqa: BLE001 - every failure is reported the same way
            failed += 1
            message = " ".join(str(error).split())
            print(f"FAIL {path}: {type(error).__name__}: {message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
