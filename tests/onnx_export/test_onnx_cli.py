"""`retrograd export MODEL.safetensors MODEL.onnx`: model files saved with `retrograd.io.save`
(a plain network, and the layout `retrograd train` writes, whose preprocessing is folded into
the graph), compared with onnxruntime."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx_testing import run_onnx

import retrograd as rg
from retrograd import io, nn
from retrograd.cli import main
from retrograd.cli.common import CLI_FORMAT, load_trained_model
from retrograd.data import LabelEncoder, StandardScaler

FEATURES = ["height", "weight", "age"]


def trained_file(path: Path, task: str, fill: bool = False) -> Path:
    """A model file laid out as `retrograd train` saves it: an MLP, the feature scaler (and
    fill values), the label encoder or target scaler, and the metadata naming them."""
    rng = np.random.default_rng(0)
    X = rng.normal([170.0, 70.0, 40.0], [10.0, 15.0, 12.0], size=(50, 3))
    rg.manual_seed(0)
    out = 3 if task == "classification" else 1
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, out))
    preprocessing: dict = {"scaler": StandardScaler().fit(X).state_dict(), "fill_missing": None}
    if fill:
        preprocessing["fill_missing"] = {"strategy": "mean", "values": X.mean(axis=0).tolist()}
    if task == "classification":
        labels = np.array(["cat", "dog", "emu"])[rng.integers(0, 3, 50)]
        preprocessing["label_encoder"] = LabelEncoder().fit(labels).state_dict()
    else:
        target = rng.normal(300.0, 40.0, size=(50, 1))
        preprocessing["target_scaler"] = StandardScaler().fit(target).state_dict()
    metadata = {
        "retrograd_cli": CLI_FORMAT,
        "task": task,
        "features": FEATURES,
        "target": "label" if task == "classification" else "price",
    }
    io.save(model, path, preprocessing=preprocessing, metadata=metadata)
    return path


def raw_features(n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    return rng.normal([170.0, 70.0, 40.0], [10.0, 15.0, 12.0], size=(n, 3)).astype(np.float32)


# The graph scales in float32 where `retrograd predict` scales in float64 and then rounds, so the
# results agree to float32 rounding of the raw features (magnitude ~100), not to 1e-5.
PIPELINE_TOLERANCE = 1e-4


def test_classifier_with_folded_scaler(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_path = trained_file(tmp_path / "model.safetensors", "classification")
    out = tmp_path / "model.onnx"
    assert main(["export", str(model_path), str(out)]) == 0
    assert "raw features in, logits out" in capsys.readouterr().out

    trained = load_trained_model(str(model_path))
    for n in (1, 6):
        X = raw_features(n)
        np.testing.assert_allclose(
            run_onnx(out, X), trained.outputs(X), rtol=PIPELINE_TOLERANCE, atol=PIPELINE_TOLERANCE
        )
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert json.loads(props["features"]) == FEATURES
    assert json.loads(props["classes"]) == ["cat", "dog", "emu"]
    assert props["task"] == "classification"


def test_regression_with_fill_values_in_target_units(tmp_path: Path) -> None:
    model_path = trained_file(tmp_path / "model.safetensors", "regression", fill=True)
    out = tmp_path / "model.onnx"
    assert main(["export", str(model_path), str(out)]) == 0

    trained = load_trained_model(str(model_path))
    X = raw_features(5)
    X[1, 0] = X[3, 2] = np.nan
    filled = np.where(np.isnan(X), np.asarray(trained.fill_values), X)
    predicted, _ = trained.predict(filled)
    got = run_onnx(out, X)
    assert got.shape == (5, 1)
    np.testing.assert_allclose(got[:, 0], predicted, rtol=PIPELINE_TOLERANCE)


def test_network_only_expects_scaled_features(tmp_path: Path) -> None:
    model_path = trained_file(tmp_path / "model.safetensors", "classification")
    out = tmp_path / "model.onnx"
    assert main(["export", str(model_path), str(out), "--network-only"]) == 0
    trained = load_trained_model(str(model_path))
    scaled = np.asarray(trained.scaler.transform(raw_features(4)), dtype=np.float32)
    expected = trained.model(rg.Tensor(scaled)).array
    np.testing.assert_allclose(run_onnx(out, scaled), expected, rtol=1e-5, atol=1e-5)


def test_any_saved_network_with_an_input_shape(tmp_path: Path) -> None:
    rg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32, 3)
    )
    model_path = tmp_path / "cnn.safetensors"
    io.save(model, model_path)
    out = tmp_path / "cnn.onnx"

    assert main(["export", str(model_path), str(out)]) == 1  # no Linear first: shape unknown
    assert not out.exists()
    assert main(["export", str(model_path), str(out), "--input-shape", "1,8,8"]) == 0
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(run_onnx(out, x), model(rg.Tensor(x)).array, rtol=1e-5, atol=1e-5)


def test_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_path = trained_file(tmp_path / "model.safetensors", "classification")
    out = tmp_path / "model.onnx"
    out.write_bytes(b"keep me")
    assert main(["export", str(model_path), str(out)]) == 1
    assert "already exists; pass --force" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"
    assert main(["export", str(model_path), str(out), "--force"]) == 0
    onnx.checker.check_model(onnx.load(str(out)))


def test_unsupported_layer_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_path = tmp_path / "rnn.safetensors"
    io.save(nn.Sequential(nn.Linear(3, 4), nn.GRU(4, 4)), model_path)
    assert main(["export", str(model_path), str(tmp_path / "rnn.onnx")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: layer 1 is a GRU, which retrograd.onnx cannot export")
    assert err.count("\n") == 1


def test_missing_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path / "nope.safetensors"), str(tmp_path / "m.onnx")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_a_file_written_by_retrograd_train(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 2)).round(4)
    lines = ["a,b,y"] + [f"{a},{b},{int(a + b > 0)}" for a, b in X]
    data = tmp_path / "data.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model_path = tmp_path / "model.safetensors"
    command = ["train", str(data), "--target", "y", "--out", str(model_path), "--epochs", "2"]
    assert main([*command, "--hidden", "4", "--quiet"]) == 0
    out = tmp_path / "model.onnx"
    assert main(["export", str(model_path), str(out)]) == 0

    trained = load_trained_model(str(model_path))
    features = X.astype(np.float32)
    np.testing.assert_allclose(
        run_onnx(out, features), trained.outputs(features), rtol=1e-5, atol=1e-5
    )
