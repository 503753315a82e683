"""`retrograd.cli.main` end to end: what it prints and the exit status it returns."""

from __future__ import annotations

import numpy as np
import pytest

import retrograd
from retrograd.cli import demo, main
from retrograd.errors import ShapeError


def test_default_demo_prints_both_tables_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out, err = capsys.readouterr()
    assert "== seed data, hidden layer: sigmoid (3-8-1, adam lr=0.05, 300 epochs, seed 0) ==" in out
    assert "== seed data, hidden layer: relu (3-8-1, adam lr=0.05, 300 epochs, seed 0) ==" in out
    assert out.count("input  expected  predicted") == 2
    assert out.count("final MSE: ") == 2
    assert out.count("all 6 predictions within 0.1 of their targets: yes") == 2
    for row in ["0 0 1  0", "0 1 1  1", "1 0 1  0", "1 1 1  1", "1 0 0  0", "1 1 0  1"]:
        assert out.count(f"\n{row}         ") == 2
    assert "Traceback" not in err


def test_activation_option_trains_only_that_one(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["demo", "--dataset", "XOR", "--activation", "tanh", "--layers", "2", "--loss", "bce"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count("== ") == 1
    assert "== XOR gate, hidden layers: tanh (2-8-8-1, bce loss, adam lr=0.05," in out
    assert "all 4 predictions within 0.1 of their targets: yes" in out


def test_sgd(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dataset", "or", "--optimizer", "sgd"]) == 0
    out = capsys.readouterr().out
    assert "== OR gate, hidden layer: relu (2-8-1, sgd lr=1, 300 epochs, seed 0) ==" in out


def test_linear_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dataset", "nand", "--output", "linear"]) == 0
    out = capsys.readouterr().out
    assert "hidden layer: relu (2-8-1, linear output, adam lr=0.05, 300 epochs, seed 0)" in out
    assert "-0.000" not in out


def test_a_miss_is_reported_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dataset", "xor", "--activation", "relu", "--epochs", "1"]) == 1
    out = capsys.readouterr().out
    assert "(2-8-1, adam lr=0.05, 1 epoch, seed 0)" in out
    assert "(off by " in out
    assert "all 4 predictions within 0.1 of their targets: no, " in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "--lr", "-1"], "argument --lr: must be a positive number, got -1"),
        (["demo", "--lr", "0"], "argument --lr: must be a positive number, got 0"),
        (["demo", "--lr", "nan"], "argument --lr: must be a positive number, got nan"),
        (["demo", "--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
        (["demo", "--epochs", "abc"], "argument --epochs: expected a whole number, got 'abc'"),
        (["demo", "--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
        (["demo", "--hidden", "0"], "argument --hidden: must be at least 1, got 0"),
        (["demo", "--layers", "-2"], "argument --layers: must be at least 1, got -2"),
        (["demo", "--seed", "-1"], "argument --seed: must be 0 or more, got -1"),
        (["demo", "--dataset", "foo"], "argument --dataset: invalid choice: 'foo'"),
        (["demo", "--activation", "softmax"], "argument --activation: invalid choice"),
        (["demo", "--output", "linear", "--loss", "bce"], "--loss bce needs --output sigmoid"),
        (["demo", "--bogus"], "unrecognized arguments: --bogus"),
        (["fly"], "argument COMMAND: invalid choice: 'fly'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_usage_is_one_line_and_exits_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n")
    assert err.startswith("retrograd")
    assert f": error: {message}" in err
    assert "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"retrograd {retrograd.__version__}\n"


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--dataset {seed,and,or,nand,nor,xor,xnor}" in out
    assert "--activation {sigmoid,relu,tanh,leaky_relu}" in out


def test_retrograd_error_is_one_line_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ShapeError("Linear expected input (*, 3),\ngot (6, 2)")

    monkeypatch.setattr(demo, "train_network", broken)
    assert main(["demo"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "error: Linear expected input (*, 3), got (6, 2)\n"


def test_format_report_worked_example() -> None:
    X = np.array([[0, 1], [1, 1]], dtype=np.float32)
    y = np.array([[1], [0]], dtype=np.float32)
    predictions = np.array([[0.9876], [0.25]], dtype=np.float32)
    result = demo.TrainResult(model=None, final_mse=0.0313, predictions=predictions)  # type: ignore[arg-type]
    assert demo.format_report(X, y, result, "XOR gate, hidden layer: relu") == "\n".join(
        [
            "== XOR gate, hidden layer: relu ==",
            "input  expected  predicted",
            "0 1    1         0.988",
            "1 1    0         0.250   (off by 0.250)",
            "final MSE: 0.0313",
            "all 2 predictions within 0.1 of their targets: no, 1 are not",
        ]
    )
