"""`fit` compiles its batch step by default: whatever callbacks and hooks change, the history
and the weights are exactly those of `fit(..., compile=False)`."""

from __future__ import annotations

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn, optim
from retrograd.train import Callback


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((96, 4)).astype(np.float32)
    y = (X[:, :1] * 0.5 - X[:, 1:2]).astype(np.float32)
    return X, y


def _run(compiled: bool, callbacks_factory, model_factory=None, epochs: int = 3):
    rg.manual_seed(0)
    model = (
        model_factory or (lambda: nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)))
    )()
    opt = optim.Adam(model.parameters(), lr=0.05)
    X, y = _data()
    callbacks, probe = callbacks_factory(model, opt)
    history = rg.fit(
        model,
        nn.MSELoss(),
        opt,
        x=X,
        y=y,
        epochs=epochs,
        batch_size=8,
        verbose=0,
        callbacks=callbacks,
        generator=np.random.default_rng(1),
        compile=compiled,
    )
    weights = {name: p.array.copy() for name, p in model.named_parameters()}
    return history.history["loss"], weights, probe


def _assert_same_run(callbacks_factory, model_factory=None) -> tuple:
    eager = _run(False, callbacks_factory, model_factory)
    compiled = _run(True, callbacks_factory, model_factory)
    assert eager[0] == compiled[0]
    for name in eager[1]:
        np.testing.assert_array_equal(eager[1][name], compiled[1][name], err_msg=name)
    return eager, compiled


class Freeze(Callback):
    def __init__(self, layer: nn.Module, epoch: int) -> None:
        self.layer, self.epoch = layer, epoch

    def on_epoch_begin(self, epoch, logs) -> None:
        if epoch == self.epoch:
            self.layer.requires_grad_(False)


def test_a_callback_that_freezes_a_layer() -> None:
    frozen = {}

    def callbacks(model, opt):
        class Remember(Callback):
            def on_epoch_begin(self, epoch, logs) -> None:
                if epoch == 1:
                    frozen["before"] = model[0].weight.array.copy()

        return [Freeze(model[0], 1), Remember()], frozen

    eager, compiled = _assert_same_run(callbacks)
    np.testing.assert_array_equal(compiled[1]["0.weight"], frozen["before"])


def test_a_forward_hook_runs_on_every_batch() -> None:
    def callbacks(model, opt):
        calls: list[int] = []
        model[0].register_forward_hook(lambda m, a, out: calls.append(1))
        return [], calls

    eager, compiled = _assert_same_run(callbacks)
    assert len(eager[2]) == len(compiled[2]) == 3 * 12


def test_a_hook_whose_effect_a_callback_changes() -> None:
    def callbacks(model, opt):
        scale = {"value": 1.0}
        model[1].register_forward_hook(lambda m, a, out: out * scale["value"])

        class Change(Callback):
            def on_epoch_begin(self, epoch, logs) -> None:
                scale["value"] = 1.0 + epoch

        return [Change()], scale

    _assert_same_run(callbacks)


def test_a_hook_added_by_a_callback_mid_training() -> None:
    def callbacks(model, opt):
        calls: list[int] = []

        class AddHook(Callback):
            def on_epoch_begin(self, epoch, logs) -> None:
                if epoch == 1:
                    model[0].register_forward_hook(lambda m, a, out: calls.append(1))

        return [AddHook()], calls

    eager, compiled = _assert_same_run(callbacks)
    assert len(compiled[2]) == 2 * 12


def test_a_module_swapped_mid_training() -> None:
    def callbacks(model, opt):
        class Swap(Callback):
            def on_epoch_begin(self, epoch, logs) -> None:
                if epoch == 1:
                    model[1] = nn.ReLU()

        return [Swap()], None

    _assert_same_run(callbacks)


def test_a_slope_changed_by_a_callback() -> None:
    def model_factory():
        return nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.01), nn.Linear(8, 1))

    def callbacks(model, opt):
        class Slope(Callback):
            def on_batch_begin(self, batch, logs) -> None:
                model[1].negative_slope = 0.01 * (1 + batch % 3)

        return [Slope()], None

    _assert_same_run(callbacks, model_factory)


@pytest.mark.parametrize("mode", ["lr", "weight_decay"])
def test_hyperparameters_changed_by_a_callback(mode: str) -> None:
    def callbacks(model, opt):
        class Change(Callback):
            def on_batch_begin(self, batch, logs) -> None:
                opt.param_groups[0][mode] = 0.01 * (1 + batch % 4)

        return [Change()], None

    _assert_same_run(callbacks)


def test_the_step_is_replayed_when_nothing_changes() -> None:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = optim.SGD(model.parameters(), lr=0.05)
    X, y = _data()
    seen = {}

    class Probe(Callback):
        def on_train_end(self, logs) -> None:
            seen["step"] = self.trainer.step

    rg.fit(
        model, nn.MSELoss(), opt, x=X, y=y, epochs=2, batch_size=8, verbose=0, callbacks=[Probe()]
    )
    assert seen["step"].captured, seen["step"].explain()
