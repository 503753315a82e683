"""Callbacks: hook order, stopping, EarlyStopping, TerminateOnNaN, ModelCheckpoint,
LearningRateScheduler and CSVLogger."""

from __future__ import annotations

import math

import numpy as np
import pytest

import retrograd as rg
from retrograd import io, nn, optim
from retrograd.optim import lr_scheduler
from retrograd.train import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    TerminateOnNaN,
    TrainingError,
    fit,
)

from .helpers import (
    Recorder,
    ScriptedValidationLoss,
    assert_same_weights,
    linear_model,
    regression_data,
    weights,
)


def run(callbacks, val_losses=None, epochs=10, n=12, batch_size=4, lr=0.05, **kwargs):
    """fit a linear model on 12 samples (3 batches); validation losses follow `val_losses`."""
    x, y = regression_data(n=n)
    model = linear_model()
    loss_fn = ScriptedValidationLoss(val_losses) if val_losses is not None else nn.MSELoss()
    validation = (x[:4], y[:4]) if val_losses is not None else None
    history = fit(
        model, loss_fn, optim.SGD(model.parameters(), lr=lr), x=x, y=y, epochs=epochs,
        batch_size=batch_size, shuffle=False, validation_data=validation, callbacks=callbacks,
        verbose=0, **kwargs,
    )  # fmt: skip
    return model, history


def test_hooks_run_in_order_with_their_logs():
    recorder = Recorder()
    run([recorder], val_losses=[0.5, 0.4], epochs=2)
    names = [call[0] if len(call) == 1 else call[:2] for call in recorder.calls]
    batches = []
    for _ in range(3):
        batches.extend([("batch_begin", len(batches) // 2), ("batch_end", len(batches) // 2)])
    assert names == [
        "train_begin",
        ("epoch_begin", 0),
        *batches,
        ("epoch_end", 0),
        ("epoch_begin", 1),
        *batches,
        ("epoch_end", 1),
        "train_end",
    ]
    batch_end = recorder.calls[3]
    assert batch_end[2].keys() == {"batch", "size", "loss"} and batch_end[2]["size"] == 4
    epoch_end = recorder.calls[8]
    assert list(epoch_end[2]) == ["loss", "val_loss"] and epoch_end[2]["val_loss"] == 0.5


def test_stop_training_from_a_batch_hook_stops_after_that_batch():
    class StopAtSecondBatch(Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 1:
                self.stop_training = True

    recorder = Recorder()
    _, history = run([recorder, StopAtSecondBatch()], epochs=5)
    assert len(recorder.batch_weights) == 2
    assert len(history.epoch) == 1


def test_stop_training_from_an_epoch_hook_stops_after_that_epoch():
    class StopAtEpoch(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.stop_training = epoch == 2

    _, history = run([StopAtEpoch()], epochs=10)
    assert history.epoch == [0, 1, 2]


def test_callback_outside_fit_says_so():
    with pytest.raises(TrainingError, match="not attached to a training run"):
        _ = Callback().model


# ---------------------------------------------------------------------- EarlyStopping

VAL_LOSSES = [1.0, 0.8, 0.9, 0.85, 0.95, 0.7, 0.6, 0.5, 0.4, 0.3]


@pytest.mark.parametrize(("patience", "stopped"), [(0, 3), (1, 3), (2, 4), (3, 5), (4, 10)])
def test_early_stopping_stops_after_patience_epochs_without_improvement(patience, stopped):
    stopper = EarlyStopping(patience=patience)
    _, history = run([stopper], val_losses=VAL_LOSSES)
    assert len(history.epoch) == stopped  # best is epoch 1 (0.8); the improvement comes at 5
    assert history.history["val_loss"] == VAL_LOSSES[:stopped]
    if stopped < 10:
        assert stopper.stopped_epoch == stopped - 1 and stopper.best == 0.8


def test_early_stopping_restores_the_best_weights():
    recorder = Recorder()
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    model, history = run([recorder, stopper], val_losses=VAL_LOSSES)
    assert len(history.epoch) == 4 and stopper.best_epoch == 1
    assert_same_weights(weights(model), recorder.epoch_weights[1])
    assert not np.array_equal(
        recorder.epoch_weights[1]["0.weight"], recorder.epoch_weights[3]["0.weight"]
    )


def test_early_stopping_without_restore_keeps_the_last_weights():
    recorder = Recorder()
    model, _ = run([recorder, EarlyStopping(patience=2)], val_losses=VAL_LOSSES)
    assert_same_weights(weights(model), recorder.epoch_weights[-1])


def test_early_stopping_min_delta_ignores_small_improvements():
    stopper = EarlyStopping(monitor="val_loss", patience=1, min_delta=0.1)
    _, history = run([stopper], val_losses=[1.0, 0.95, 0.93, 0.92, 0.5])
    assert len(history.epoch) == 2


def test_early_stopping_max_mode_for_accuracy_in_auto_mode():
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    scores = iter([0.5, 0.7, 0.6, 0.65, 0.9])

    class FakeAccuracy(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_accuracy"] = next(scores)

    _, history = run([FakeAccuracy(), stopper], epochs=5)
    assert stopper._monitor.mode == "max"
    assert len(history.epoch) == 3 and stopper.best == 0.7


def test_early_stopping_baseline_must_be_beaten():
    """Improvements that do not beat the baseline still use up patience (Keras's rule)."""
    losses = [0.9, 0.8, 0.85, 0.6, 0.4]
    _, history = run([EarlyStopping(patience=2, baseline=0.5)], val_losses=losses, epochs=5)
    assert len(history.epoch) == 3
    _, history = run([EarlyStopping(patience=2)], val_losses=losses, epochs=5)
    assert len(history.epoch) == 5


def test_early_stopping_names_a_missing_monitor():
    with pytest.raises(TrainingError, match=r"monitor 'val_loss' is not in .*\(they have loss\)"):
        run([EarlyStopping()], epochs=2)


def test_early_stopping_auto_mode_needs_a_known_direction():
    class AddScore(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["score"] = 1.0

    with pytest.raises(TrainingError, match="cannot tell whether 'score' should go up or down"):
        run([AddScore(), EarlyStopping(monitor="score")], epochs=2)


def test_early_stopping_prints_when_verbose(capsys):
    run([EarlyStopping(patience=1, verbose=1, restore_best_weights=True)], val_losses=VAL_LOSSES)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "EarlyStopping: stopped after epoch 3: val_loss has not improved for 1 epochs",
        "EarlyStopping: restoring the weights of epoch 2 (val_loss 0.8000)",
    ]


# ---------------------------------------------------------------------- TerminateOnNaN


class NaNAtCall:
    """MSE, but the training call number `bad` (0-based) returns NaN."""

    def __init__(self, bad: int) -> None:
        self.bad = bad
        self.calls = 0

    def __call__(self, output, target):
        loss = ((output - target) ** 2).mean()
        if rg.is_grad_enabled():
            self.calls += 1
            if self.calls - 1 == self.bad:
                return loss * float("nan")
        return loss


def test_terminate_on_nan_keeps_the_last_finite_weights_and_names_epoch_and_batch(capsys):
    x, y = regression_data(n=12)
    model = linear_model()
    recorder = Recorder()
    history = fit(
        model, NaNAtCall(bad=4), optim.SGD(model.parameters(), lr=0.05), x=x, y=y, epochs=5,
        batch_size=4, shuffle=False, callbacks=[recorder, TerminateOnNaN()], verbose=0,
    )  # fmt: skip
    # call 4 is epoch 2 (index 1), batch 2 (index 1); the weights after call 3 are kept
    message = (
        "TerminateOnNaN: loss is nan at epoch 2/5, batch 2/3; stopped training and restored "
        "the weights from before that batch"
    )
    assert capsys.readouterr().out.splitlines() == [message]
    assert history.stop_reason == message
    assert len(history.epoch) == 2 and len(recorder.batch_weights) == 5
    assert not np.isfinite(recorder.batch_weights[4]["0.weight"]).all()  # the step went NaN
    assert_same_weights(weights(model), recorder.batch_weights[3])


def test_terminate_on_nan_catches_weights_that_became_non_finite():
    class Sabotage(Callback):
        def on_batch_end(self, batch, logs=None):
            if self.trainer.epoch == 0 and batch == 2:
                self.model[0].bias.array[0] = np.inf

    recorder = Recorder()
    terminate = TerminateOnNaN(verbose=0)
    model, history = run([recorder, Sabotage(), terminate], epochs=3)
    assert "the update made 0.bias non-finite at epoch 1/3, batch 3/3" in terminate.message
    assert_same_weights(weights(model), recorder.batch_weights[1])
    assert np.isfinite(weights(model)["0.bias"]).all()


def test_terminate_on_nan_leaves_finite_training_alone():
    plain_model, plain = run([], epochs=3)
    model, history = run([TerminateOnNaN()], epochs=3)
    assert history.history == plain.history and history.stop_reason is None
    assert_same_weights(weights(model), weights(plain_model))


# ---------------------------------------------------------------------- ModelCheckpoint


def test_model_checkpoint_saves_every_epoch_with_the_epoch_in_the_name(tmp_path):
    recorder = Recorder()
    checkpoint = ModelCheckpoint(tmp_path / "model-{epoch:02d}.safetensors")
    run([recorder, checkpoint], epochs=3)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"model-0{i}.safetensors" for i in (1, 2, 3)]
    for epoch in range(3):
        loaded, info = io.load_with_info(tmp_path / f"model-{epoch + 1:02d}.safetensors")
        assert_same_weights(weights(loaded), recorder.epoch_weights[epoch])
        assert info.metadata["epoch"] == epoch + 1
        assert set(info.metadata["logs"]) == {"loss"}


def test_model_checkpoint_save_best_only(tmp_path):
    recorder = Recorder()
    checkpoint = ModelCheckpoint(
        tmp_path / "best-{epoch}-{val_loss:.2f}.safetensors", save_best_only=True
    )
    run([recorder, checkpoint], val_losses=[0.9, 0.5, 0.7, 0.4, 0.6], epochs=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best-1-0.90.safetensors",
        "best-2-0.50.safetensors",
        "best-4-0.40.safetensors",
    ]
    loaded = io.load(tmp_path / "best-4-0.40.safetensors")
    assert_same_weights(weights(loaded), recorder.epoch_weights[3])


def test_model_checkpoint_weights_only_works_for_custom_modules(tmp_path):
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 1)

        def forward(self, x):
            return self.linear(x)

    x, y = regression_data(n=8)
    model = Custom()
    path = tmp_path / "weights.safetensors"
    fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x=x, y=y, epochs=2,
        callbacks=[ModelCheckpoint(path, save_weights_only=True)], verbose=0,
    )  # fmt: skip
    restored = Custom()
    restored.load_state_dict(io.load_state_dict_file(path))
    assert_same_weights(weights(restored), weights(model))


def test_model_checkpoint_names_a_bad_path_field(tmp_path):
    checkpoint = ModelCheckpoint(tmp_path / "m-{val_acc}.safetensors")
    with pytest.raises(TrainingError, match="cannot fill in the path .* log keys loss"):
        run([checkpoint], epochs=1)


# ---------------------------------------------------------------------- LearningRateScheduler


def test_learning_rate_scheduler_steps_a_scheduler_each_epoch_and_logs_lr():
    x, y = regression_data(n=12)
    model = linear_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    history = fit(
        model, nn.MSELoss(), optimizer, x=x, y=y, epochs=5, batch_size=4,
        callbacks=[LearningRateScheduler(scheduler)], verbose=0,
    )  # fmt: skip
    assert history.history["lr"] == [0.1, 0.1, 0.05, 0.05, 0.025]
    assert scheduler.last_epoch == 5


def test_learning_rate_scheduler_steps_one_cycle_every_batch():
    x, y = regression_data(n=12)
    model = linear_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, epochs=4, steps_per_epoch=3)
    seen = []

    class LRSpy(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(optimizer.param_groups[0]["lr"])

    fit(
        model, nn.MSELoss(), optimizer, x=x, y=y, epochs=4, batch_size=4, verbose=0,
        callbacks=[LRSpy(), LearningRateScheduler(scheduler, interval="batch")],
    )  # fmt: skip
    reference_optimizer = optim.SGD(linear_model().parameters(), lr=0.1, momentum=0.9)
    reference = lr_scheduler.OneCycleLR(reference_optimizer, 1.0, epochs=4, steps_per_epoch=3)
    expected = []
    for _ in range(12):
        expected.append(reference.get_last_lr()[0])
        if len(expected) < 12:
            reference.step()
    assert seen == expected


def test_learning_rate_scheduler_with_a_keras_style_function():
    history = run(
        [LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.1)], epochs=4
    )[1]
    np.testing.assert_allclose(history.history["lr"], [0.05, 0.05, 0.005, 0.0005], rtol=1e-12)


def test_learning_rate_scheduler_feeds_reduce_on_plateau_the_monitored_value():
    x, y = regression_data(n=12)
    model = linear_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    plateau = lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    history = fit(
        model, ScriptedValidationLoss([1.0, 0.9, 0.95, 0.97, 0.99, 0.5]), optimizer, x=x, y=y,
        epochs=6, batch_size=4, validation_data=(x[:4], y[:4]), verbose=0,
        callbacks=[LearningRateScheduler(plateau)],
    )  # fmt: skip
    assert history.history["lr"] == [0.1, 0.1, 0.1, 0.1, 0.05, 0.05]


def test_learning_rate_scheduler_rejects_a_function_returning_nonsense():
    with pytest.raises(Exception, match="must return a float"):
        run([LearningRateScheduler(lambda epoch, lr: None)], epochs=1)


# ---------------------------------------------------------------------- CSVLogger


def test_csv_logger_writes_every_epoch_and_reads_back_as_a_history(tmp_path):
    path = tmp_path / "log.csv"

    class CheckFile(Callback):
        def on_epoch_end(self, epoch, logs=None):
            # the logger (before this callback) has already written this epoch's row
            assert len(path.read_text().splitlines()) == epoch + 2

    _, history = run([CSVLogger(path), CheckFile()], val_losses=[0.5, 0.4, 0.3], epochs=3)
    assert path.read_text().splitlines()[0] == "epoch,loss,val_loss"
    assert History.from_csv(path).to_dict() == history.to_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]  # no temporary files left


def test_csv_logger_append_keeps_earlier_rows(tmp_path):
    path = tmp_path / "log.csv"
    run([CSVLogger(path)], epochs=2)
    run([CSVLogger(path, append=True)], epochs=3)
    assert History.from_csv(path).epoch == [0, 1, 0, 1, 2]
    run([CSVLogger(path)], epochs=1)
    assert History.from_csv(path).epoch == [0]


def test_csv_logger_adds_a_column_for_a_key_that_appears_later(tmp_path):
    path = tmp_path / "log.csv"

    class LateKey(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch >= 1:
                logs["extra"] = 2.0

    run([LateKey(), CSVLogger(path)], epochs=3)
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,extra"
    assert lines[1].endswith(",") and lines[2].endswith(",2.0")
    assert math.isnan(History.from_csv(path)["extra"][0])
