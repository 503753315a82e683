"""Helpers of the ONNX tests: export a model, run the file with onnxruntime, compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

import retrograd as rg
import retrograd.onnx

TOLERANCE = 1e-5


def run_onnx(path: Path, x: np.ndarray, input_name: str = "input") -> np.ndarray:
    """The first output of the ONNX model at `path` for input `x`, on onnxruntime's CPU."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session.run(None, {input_name: x})[0]


def reference(model: rg.nn.Module, x: np.ndarray) -> np.ndarray:
    """`model(x)` in eval mode, without a graph; the model's mode is restored."""
    training = model.training
    model.eval()
    with rg.no_grad():
        out = model(rg.Tensor(x)).array
    model.train(training)
    return out


def export_and_compare(
    model: rg.nn.Module, inputs: list[np.ndarray], path: Path, **options: Any
) -> None:
    """Export with `inputs[0]` as the example; every input (batch sizes may differ) gives the
    same output under onnxruntime as under retrograd, within 1e-5."""
    retrograd.onnx.export(model, inputs[0], path, **options)
    for x in inputs:
        expected = reference(model, x)
        got = run_onnx(path, x)
        assert got.dtype == expected.dtype
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=TOLERANCE, atol=TOLERANCE)
