"""Progress output: one plain line per epoch off a terminal, a tqdm bar on one, silence at 0."""

from __future__ import annotations

import io
import re
import sys

import numpy as np
import pytest

from retrograd import nn, optim
from retrograd.train import TerminateOnNaN, fit
from retrograd.train.progress import format_epoch_line, format_value

from .helpers import classification_data, linear_model, regression_data

LINE = re.compile(r"^epoch \d+/\d+( - [a-z_]+ -?\d+\.\d{4}(e[+-]\d+)?)+$")


def train(verbose, epochs=3, callbacks=()):
    x, y = classification_data(n=30)
    model = linear_model(in_features=2, out_features=3)
    return fit(
        model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x=x, y=y,
        epochs=epochs, batch_size=8, validation_split=0.2, metrics=["accuracy"],
        verbose=verbose, callbacks=callbacks,
    )  # fmt: skip


@pytest.mark.parametrize("verbose", [1, 2])
def test_off_a_terminal_each_epoch_is_exactly_one_plain_line(capsys, verbose):
    history = train(verbose)
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    h = history.history
    assert lines == [
        f"epoch {e + 1}/3 - loss {h['loss'][e]:.4f} - val_loss {h['val_loss'][e]:.4f} - "
        f"accuracy {h['accuracy'][e]:.4f} - val_accuracy {h['val_accuracy'][e]:.4f}"
        for e in range(3)
    ]
    assert all(LINE.match(line) for line in lines)
    assert captured.err == "" and "\r" not in captured.out


def test_verbose_0_is_silent(capsys):
    train(0)
    assert capsys.readouterr() == ("", "")


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_verbose_1_draws_a_bar_with_loss_and_metrics(capsys, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    history = train(1, epochs=2)
    assert capsys.readouterr().out == ""  # no plain lines next to the bar
    drawn = terminal.getvalue()
    assert "epoch 1/2" in drawn and "epoch 2/2" in drawn and "\r" in drawn
    final = drawn.split("\r")[-1]  # what the last bar shows once closed
    assert f"loss {history.history['loss'][-1]:.4f}" in final
    assert f"val_accuracy {history.history['val_accuracy'][-1]:.4f}" in final


def test_callback_messages_go_above_the_bar(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    x, y = regression_data(n=12)
    x[5, 0] = np.nan  # batch 2 of the first epoch
    model = linear_model()
    fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x=x, y=y, epochs=2,
        batch_size=4, shuffle=False, callbacks=[TerminateOnNaN()], verbose=1,
    )  # fmt: skip
    lines = terminal.getvalue().replace("\r", "\n").splitlines()
    assert any(
        line.startswith("TerminateOnNaN: loss is nan at epoch 1/2, batch 2/3") for line in lines
    )


def test_format_value_and_line():
    assert format_value(0.12344) == "0.1234"
    assert format_value(0.0) == "0.0000"
    assert format_value(5.1814e-4) == "5.1814e-04"
    assert format_value(float("nan")) == "nan"
    assert format_value(123456.0) == "1.2346e+05"
    logs = {"accuracy": 0.95, "loss": 0.1234, "lr": 0.01, "val_accuracy": 0.9, "val_loss": 0.2}
    assert format_epoch_line(2, 10, logs) == (
        "epoch 3/10 - loss 0.1234 - val_loss 0.2000 - accuracy 0.9500 - val_accuracy 0.9000 - "
        "lr 0.0100"
    )


def test_an_exception_mid_epoch_closes_the_bar_and_restores_the_mode(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    x, y = regression_data(n=12)
    model = linear_model().eval()

    def broken_loss(output, target):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fit(model, broken_loss, optim.SGD(model.parameters()), x=x, y=y, verbose=1)
    assert terminal.getvalue().endswith("\n")  # the bar was closed
    assert not model.training
