"""`DoctorCallback`: the doctor watching a real training run, at low cost.

`retrograd.doctor` examines a model before training, on copies. `DoctorCallback` watches the run
itself and says what goes wrong while it happens, each finding once, the moment it is sure:

- `training-plateau`: the training loss stays, epoch after epoch, at the loss of predicting the
  mean (or the class frequencies): nothing beyond the targets' average is learned.
- `training-diverged`: the loss became NaN/inf or rose far above its best; it names the
  learning rate in use when the rise began.
- `dead-units-growing`: the share of ReLU units that output 0 for every probe sample grows from
  epoch to epoch (`Sequential` models: the probe runs the layers in turn, no hooks).
- `gradient-collapse` / `gradient-explosion`: the gradient norm (read after each batch) fell a
  thousandfold, with the loss far from zero, or grew a thousandfold or stopped being finite.
- `overfitting`: the validation loss rises while the training loss falls; it names the epoch to
  stop at (the best validation epoch).

Costs per batch: one pass over the gradients (a sum of squares); per epoch: one forward pass of
at most `probe_samples` rows when the model is a `Sequential` with ReLUs. The findings are
printed (unless ``verbose=0``), kept in `findings` and added to `History.findings`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.diagnostics.checks.subject import constant_loss, loss_kind_of
from retrograd.diagnostics.report import Finding
from retrograd.errors import InvalidArgumentError
from retrograd.nn import ReLU, Sequential
from retrograd.nn.module import Module
from retrograd.tensor import Tensor
from retrograd.train.callbacks import Callback, Logs

__all__ = ["DoctorCallback"]

TARGET_SAMPLES = 4096  # targets read to compute the loss of the best constant prediction
PLATEAU_CHANGE = 0.01  # the loss moved less than 1% over the patience window
PLATEAU_NEAR = 0.05  # ... and sits within 5% of the constant prediction's loss
DIVERGED = 2.0  # an epoch loss above twice the best one, after rising
GRADIENT_FACTOR = 1e3
FITTED = 0.05  # a loss this fraction of the baseline: small gradients are convergence
DEAD_WARN = 0.25
DEAD_GROWTH = 0.1
OVERFIT_RISE = 0.02  # validation loss 2% above its best


class DoctorCallback(Callback):
    """Watch a training run and report what goes wrong as it happens (see the module docs).

    Args:
        patience: epochs a plateau, a rising validation loss or growing dead units must last
            before they are reported. Default: 3.
        probe_samples: training rows kept to count dead ReLU units after each epoch. Default: 256.
        verbose: 1 prints each finding when it is found; 0 only collects them. Default: 1.

    After `fit`: ``findings`` (a list of `Finding`, also in ``history.findings``), and the
    per-epoch series it watched in ``grad_norms`` and ``dead_fractions``.
    """

    rank_zero_only = True  # it only reads: one copy of its messages in a distributed run

    def __init__(self, patience: int = 3, probe_samples: int = 256, verbose: int = 1) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise InvalidArgumentError(
                f"DoctorCallback: patience must be an int >= 1, got {patience!r}"
            )
        self.patience = patience
        self.probe_samples = probe_samples
        self.verbose = verbose
        self.findings: list[Finding] = []
        self.grad_norms: list[float] = []
        self.dead_fractions: list[dict[str, float]] = []
        self._reset()

    def _reset(self) -> None:
        self.findings = []
        self.grad_norms = []
        self.dead_fractions = []
        self._losses: list[float] = []
        self._val_losses: list[float] = []
        self._lrs: list[float] = []
        self._batch_squares: list[float] = []
        self._baseline: float | None = None
        self._probe: np.ndarray | None = None
        self._initial_dead: dict[str, float] = {}

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._reset()
        trainer = self._require_trainer()
        inputs, targets = _sample(getattr(trainer, "train_data", None), TARGET_SAMPLES)
        if targets is not None:
            y = targets
            if y.dtype.kind == "f":
                y = y.astype(np.float64)
            self._baseline = constant_loss(loss_kind_of(trainer.loss_fn), y, y)
        if inputs is not None and _probe_layers(self.model):
            self._probe = inputs[: self.probe_samples]
            self._initial_dead = _dead_fractions(self.model, self._probe)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._batch_squares = []
        groups = self._require_trainer().optimizer.param_groups
        self._lrs.append(float(groups[0].get("lr", math.nan)) if groups else math.nan)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        total = 0.0
        for p in self.model.parameters():
            if p.grad is not None:
                g = p.grad.array
                total += float(np.vdot(g, g).real)
        self._batch_squares.append(total)
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            self._diverged(len(self._lrs) - 1, f"the loss of batch {batch + 1} is {loss}")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        loss = float(logs.get("loss", math.nan))
        self._losses.append(loss)
        if "val_loss" in logs:
            self._val_losses.append(float(logs["val_loss"]))
        squares = self._batch_squares
        self.grad_norms.append(math.sqrt(sum(squares) / len(squares)) if squares else math.nan)
        if self._probe is not None:
            self.dead_fractions.append(_dead_fractions(self.model, self._probe))
        self._check_divergence(epoch)
        self._check_gradients(epoch)
        self._check_plateau(epoch)
        self._check_dead_units(epoch)
        self._check_overfitting(epoch)

    def on_train_end(self, logs: Logs | None = None) -> None:
        history = self._require_trainer().history
        known = getattr(history, "findings", None)
        if isinstance(known, list):
            known.extend(f for f in self.findings if f not in known)

    # ------------------------------------------------------------------ checks
    def _report(self, finding: Finding) -> None:
        if any(f.code == finding.code for f in self.findings):
            return
        self.findings.append(finding)
        history = self._require_trainer().history
        if isinstance(getattr(history, "findings", None), list):
            history.findings.append(finding)
        if self.verbose > 0:
            self.write(f"DoctorCallback: [{finding.code}] {finding.message}")

    def _diverged(self, epoch: int, what: str) -> None:
        best = int(np.nanargmin(self._losses)) if any(map(math.isfinite, self._losses)) else -1
        start = min(best + 1, len(self._lrs) - 1) if best >= 0 else max(epoch, 0)
        lr = self._lrs[start] if self._lrs else math.nan
        self._report(
            Finding(
                "training-diverged",
                "error",
                f"Training diverged in epoch {epoch + 1}: {what}. The rise began in epoch "
                f"{start + 1}, at learning rate {lr:g}.",
                f"Lower the learning rate below {lr:g} (tenfold is a good first try), clip "
                "gradients (retrograd.nn.utils.clip_grad_norm_), and standardise inputs and "
                "targets.",
                {"epoch": epoch + 1, "started_epoch": start + 1, "lr": lr, "losses": self._losses},
            )
        )

    def _check_divergence(self, epoch: int) -> None:
        losses = self._losses
        if not math.isfinite(losses[-1]):
            self._diverged(epoch, f"the epoch loss is {losses[-1]}")
            return
        if len(losses) < 3:
            return
        best = min(v for v in losses if math.isfinite(v))
        rising = losses[-1] > losses[-2] > losses[-3]
        if rising and losses[-1] > max(DIVERGED * best, losses[0]):  # worse than at the start
            self._diverged(epoch, f"the loss rose to {losses[-1]:.4g} from a best of {best:.4g}")

    def _check_gradients(self, epoch: int) -> None:
        norms = self.grad_norms
        first = norms[0]
        now = norms[-1]
        if not math.isfinite(first) or first <= 0:
            return
        evidence = {"grad_norms": norms, "epoch": epoch + 1}
        if not math.isfinite(now) or now > GRADIENT_FACTOR * first:
            self._report(
                Finding(
                    "gradient-explosion",
                    "warning",
                    f"The gradient norm grew from {first:.3g} (epoch 1) to {now:.3g} by epoch "
                    f"{epoch + 1}: the steps are growing out of control.",
                    "Clip gradients (retrograd.nn.utils.clip_grad_norm_(model.parameters(), "
                    "1.0)), lower the learning rate, or add normalisation layers.",
                    evidence,
                )
            )
            return
        loss = self._losses[-1]
        reference = self._baseline if self._baseline else abs(self._losses[0])
        if now < first / GRADIENT_FACTOR and math.isfinite(loss) and loss > FITTED * reference:
            self._report(
                Finding(
                    "gradient-collapse",
                    "warning",
                    f"The gradient norm fell from {first:.3g} (epoch 1) to {now:.3g} by epoch "
                    f"{epoch + 1} while the loss ({loss:.4g}) is still far from zero: the "
                    "network has stopped learning (saturated or dead units, or a vanishing "
                    "gradient).",
                    "Look for saturated sigmoid/tanh units and dead ReLUs (retrograd.doctor on "
                    "the current model), use ReLU-family activations with kaiming init, add "
                    "normalisation, or raise the learning rate.",
                    evidence,
                )
            )

    def _check_plateau(self, epoch: int) -> None:
        baseline = self._baseline
        window = self._losses[-(self.patience + 1) :]
        if baseline is None or baseline <= 0 or len(window) <= self.patience:
            return
        if not all(math.isfinite(v) for v in window):
            return
        moved = (max(window) - min(window)) / max(max(window), 1e-30)
        if moved < PLATEAU_CHANGE and min(window) >= (1 - PLATEAU_NEAR) * baseline:
            self._report(
                Finding(
                    "training-plateau",
                    "warning",
                    f"The training loss has stayed at {window[-1]:.4g} for {len(window)} epochs, "
                    f"no better than predicting a constant ({baseline:.4g}, from the targets' "
                    "mean or class frequencies): the model has learned nothing beyond the "
                    "average.",
                    "Run retrograd.doctor on the model and data before training: the usual causes "
                    "are a learning rate far too small or too large, unscaled inputs or targets, "
                    "dead or saturated units, or inputs that do not predict the target.",
                    {"losses": window, "baseline": baseline, "epoch": epoch + 1},
                )
            )

    def _check_dead_units(self, epoch: int) -> None:
        series = self.dead_fractions
        if len(series) < self.patience:
            return
        for name in series[-1]:
            start = self._initial_dead.get(name, series[0].get(name, math.nan))
            recent = [s.get(name, math.nan) for s in series[-self.patience :]]
            holding = all(b >= a for a, b in zip(recent, recent[1:]))  # not recovering
            if holding and recent[-1] >= DEAD_WARN and recent[-1] - start >= DEAD_GROWTH:
                self._report(
                    Finding(
                        "dead-units-growing",
                        "warning",
                        f"Dead ReLU units are growing in layer '{name}': {start:.0%} before "
                        f"training, {recent[-1]:.0%} after epoch {epoch + 1}. A unit that "
                        "outputs 0 for every sample gets no gradient and never comes back.",
                        "Lower the learning rate, use LeakyReLU or GELU, initialise with "
                        "kaiming_normal_ and a small positive bias, or clip gradients.",
                        {
                            "layer": name,
                            "before_training": start,
                            "dead_fraction": [s.get(name, math.nan) for s in series],
                            "epoch": epoch + 1,
                        },
                    )
                )
                return

    def _check_overfitting(self, epoch: int) -> None:
        val = self._val_losses
        if len(val) != len(self._losses) or len(val) <= self.patience:
            return
        if not all(math.isfinite(v) for v in val):
            return
        best = int(np.argmin(val))
        since = len(val) - 1 - best
        train = self._losses
        if (
            since >= self.patience
            and val[-1] > (1 + OVERFIT_RISE) * val[best]
            and train[-1] < train[best]
        ):
            self._report(
                Finding(
                    "overfitting",
                    "warning",
                    f"The validation loss has risen for {since} epochs since its best "
                    f"({val[best]:.4g} after epoch {best + 1}, now {val[-1]:.4g}) while the "
                    f"training loss kept falling ({train[best]:.4g} -> {train[-1]:.4g}): the "
                    f"model is memorising the training data. Stop at epoch {best + 1}.",
                    f"Stop at epoch {best + 1} (EarlyStopping(monitor='val_loss', "
                    "restore_best_weights=True) does it for you); for a better model add "
                    "weight decay or dropout, use more data, or a smaller model.",
                    {"stop_epoch": best + 1, "val_losses": val, "losses": train},
                )
            )


# ---------------------------------------------------------------------- helpers
def _sample(source: Any, limit: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Up to `limit` (inputs, targets) rows of the training data (None when unreachable)."""
    loader = getattr(source, "loader", source)  # a sharded loader wraps a DataLoader
    dataset = getattr(loader, "dataset", None)
    if dataset is None:
        return None, None
    try:
        tensors = getattr(dataset, "tensors", None)
        if tensors is not None and len(tensors) >= 2:
            n = min(len(tensors[0]), limit)
            return _array(tensors[0])[:n], _array(tensors[1])[:n]
        items = [dataset[i] for i in range(min(len(dataset), limit))]
        if not items or not isinstance(items[0], (tuple, list)) or len(items[0]) < 2:
            return None, None
        return np.stack([_array(i[0]) for i in items]), np.stack([_array(i[1]) for i in items])
    except Exception:  # a dataset the callback cannot read: watch the run without it
        return None, None


def _array(value: Any) -> np.ndarray:
    return np.asarray(value.array if isinstance(value, Tensor) else value)


def _probe_layers(model: Module) -> bool:
    return isinstance(model, Sequential) and any(isinstance(m, ReLU) for m in model)


def _dead_fractions(model: Module, inputs: np.ndarray) -> dict[str, float]:
    """The share of units of each ReLU of a Sequential that output 0 for every probe row; the
    layers run one by one in eval mode, so no hook is registered (compiled steps stay valid)."""
    modes = [(m, m.training) for m in model.modules()]
    fractions: dict[str, float] = {}
    try:
        model.eval()
        with no_grad():
            x: Any = Tensor(inputs)
            for name, layer in model.named_children():
                x = layer(x)
                if isinstance(layer, ReLU) and isinstance(x, Tensor) and x.ndim >= 2:
                    units = np.asarray(x.array).reshape(x.shape[0], -1)
                    if np.isfinite(units).all():  # NaN weights are divergence, not dead units
                        fractions[name] = float(np.mean(~np.any(units > 0, axis=0)))
    finally:
        for module, training in modes:
            object.__setattr__(module, "training", training)
    return fractions
