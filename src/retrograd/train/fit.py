"""`fit`: the usual PyTorch training loop, with Keras's conveniences (metrics, validation,
callbacks, progress, a History) around it.

Each epoch runs exactly the loop a PyTorch user writes by hand::

    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

so a hand-written loop stays first-class: `fit` adds nothing the model or optimizer must know.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from retrograd.compiler import compile as compile_steps
from retrograd.data import DataLoader, Subset
from retrograd.metrics.registry import Metric
from retrograd.nn import Module
from retrograd.optim import Optimizer
from retrograd.random import default_generator
from retrograd.train.callbacks import Callback, CallbackList, Logs
from retrograd.train.errors import TrainingError, TrainingTypeError
from retrograd.train.evaluate import (
    MetricAccumulator,
    MetricLike,
    loss_value,
    resolve_metrics,
    run_evaluation,
)
from retrograd.train.history import History
from retrograd.train.inputs import (
    as_loader,
    batch_size_of,
    check_positive_int,
    model_device,
    resolve_data,
    split_validation,
    unpack_batch,
)
from retrograd.train.progress import ProgressLogger


class Trainer:
    """One training run: what callbacks see as ``self.trainer``.

    Attributes: `model`, `loss_fn`, `optimizer`, `metrics` (resolved `Metric` objects),
    `epoch` (0-based, current), `epochs`, `steps` (batches per epoch), `history`,
    `stop_training` (set it to stop), `stop_reason` (a message, or None), and during `run`
    the loaders `train_data` and `validation_data` (None without validation).
    """

    def __init__(
        self,
        model: Module,
        loss_fn: Callable[[Any, Any], Any],
        optimizer: Optimizer,
        metrics: Sequence[MetricLike] = (),
        callbacks: Sequence[Callback] = (),
        verbose: int = 1,
        compile_step: bool = True,
        distributed: bool = False,
    ) -> None:
        if not isinstance(model, Module):
            raise TrainingTypeError(
                f"fit: model must be a retrograd nn.Module, got {type(model).__name__}"
            )
        if not callable(loss_fn):
            raise TrainingTypeError(f"fit: loss_fn must be callable, got {type(loss_fn).__name__}")
        if not isinstance(optimizer, Optimizer):
            raise TrainingTypeError(
                f"fit: optimizer must be a retrograd Optimizer, got {type(optimizer).__name__}"
            )
        if verbose not in (0, 1, 2):
            raise TrainingError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
        self.model = model
        self.loss_fn = loss_fn
        self.distributed = distributed
        # the module the step runs: the model, or its data-parallel wrapper (gradients averaged
        # across ranks after backward)
        self.network: Module = model
        rank = 0
        if distributed:
            from retrograd.distributed import DistributedDataParallel, get_rank, init

            init()
            self.network = DistributedDataParallel(model)
            rank = get_rank()
            if rank != 0:  # one progress display, one writer of each file
                verbose = 0
                callbacks = [c for c in callbacks if not c.rank_zero_only]
        # The batch step is captured and replayed (retrograd.compile) when the model and loss
        # are built-in layers, whose only effects are the ops it records; it still runs eagerly
        # by itself when replaying could differ (dropout, BatchNorm statistics, ...). User
        # modules may have Python side effects a replay would skip, so they always run eagerly.
        # A model on a GPU runs eagerly too: replays run on the CPU.
        self.device = model_device(model)
        captured = compile_step and self.device is None and _only_builtin_layers(model, loss_fn)
        self.step: Callable[[Any, Any], tuple[Any, Any]] = (
            compile_steps(self._step, warn=False) if captured else self._step
        )
        self.optimizer = optimizer
        self.metrics: list[Metric] = resolve_metrics("fit", metrics)
        self.progress = ProgressLogger(verbose) if verbose else None
        # the progress logger goes last, so its line shows what other callbacks add to the logs
        extra = [self.progress] if self.progress is not None else []
        self.callbacks = CallbackList([*callbacks, *extra])
        self.history = History()
        self.epoch = 0
        self.epochs = 0
        self.steps = 0
        self.stop_training = False
        self.stop_reason: str | None = None
        self.train_data: Any = None
        self.validation_data: Any = None

    def write(self, message: str) -> None:
        """Print a callback's message (above the progress bar when one is showing)."""
        if self.progress is not None:
            self.progress.write(message)
        else:
            print(message, flush=True)

    def run(
        self, train: DataLoader | ShardedLoader, validation: DataLoader | None, epochs: int
    ) -> History:
        """Train for `epochs` epochs (fewer if a callback stops it); return the History."""
        self.epochs = epochs
        self.steps = len(train)
        self.train_data, self.validation_data = train, validation  # what callbacks may sample
        self.stop_training = False
        self.history.params = {"epochs": epochs, "steps": self.steps}
        modes = [(module, module.training) for module in self.model.modules()]
        self.callbacks.set_trainer(self)
        logs: Logs = {}
        try:
            self.callbacks.on_train_begin({})
            for epoch in range(epochs):
                self.epoch = epoch
                if isinstance(train, ShardedLoader):
                    train.set_epoch(epoch)
                self.callbacks.on_epoch_begin(epoch, {})
                logs = self.train_epoch(train)
                if validation is not None:
                    for key, value in run_evaluation(
                        "fit (validation)", self.model, self.loss_fn, validation, self.metrics
                    ).items():
                        logs[f"val_{key}"] = value
                self.callbacks.on_epoch_end(epoch, logs)
                self.history.append(epoch, logs)
                if self.stop_training:
                    break
            self.history.stop_reason = self.stop_reason
            self.callbacks.on_train_end(logs)
        finally:
            if self.progress is not None:
                self.progress.close()
            for module, training in modes:
                object.__setattr__(module, "training", training)
        return self.history

    def _step(self, inputs: Any, target: Any) -> tuple[Any, Any]:
        """zero_grad, forward, loss, backward, optimizer step: the loop a user writes."""
        self.optimizer.zero_grad()
        output = self.network(inputs)
        loss = self.loss_fn(output, target)
        loss_value("fit", loss)  # a scalar Tensor, or a clear error before backward
        loss.backward()
        self.optimizer.step()
        return loss, output

    def train_epoch(self, loader: DataLoader | ShardedLoader) -> Logs:
        """One pass over `loader`; the mean loss (weighted by batch size) and the metrics."""
        self.model.train()
        total, seen = 0.0, 0
        accumulated = MetricAccumulator("fit", self.metrics)
        for batch_index, batch in enumerate(loader):
            inputs, target = unpack_batch("fit", batch, self.device)
            if target is None:
                raise TrainingError("fit: the batches have no targets to compute a loss with")
            size = batch_size_of(inputs)
            batch_logs: Logs = {"batch": batch_index, "size": size}
            self.callbacks.on_batch_begin(batch_index, batch_logs)

            loss, output = self.step(inputs, target)
            value = loss_value("fit", loss)

            total += value * size
            seen += size
            accumulated.add(target, output)
            batch_logs["loss"] = value
            self.callbacks.on_batch_end(batch_index, batch_logs)
            if self.stop_training:
                break
        if self.distributed:  # every rank reports the whole epoch: sums over the ranks
            from retrograd.distributed.comm import _gather_objects

            shares = _gather_objects((total, seen, accumulated.share()))
            total = sum(share[0] for share in shares)
            seen = sum(share[1] for share in shares)
            accumulated = MetricAccumulator("fit", self.metrics)
            accumulated.merge([share[2] for share in shares])
        if seen == 0:
            raise TrainingError(
                "fit: the training data yielded no batches (empty data, or drop_last with fewer "
                "samples than batch_size)"
            )
        return {"loss": total / seen, **accumulated.result()}


class ShardedLoader:
    """This rank's share of the training data, drawn anew each epoch: `DistributedSampler`'s
    indices (the same shuffle on every rank, seeded by `seed + epoch`) batched in order."""

    def __init__(self, loader: DataLoader, shuffle: bool, seed: int) -> None:
        from retrograd.distributed import DistributedSampler

        self.loader = loader
        self.sampler = DistributedSampler(loader.dataset, shuffle=shuffle, seed=seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)

    def _loader(self) -> DataLoader:
        share = Subset(self.loader.dataset, self.sampler.indices().tolist())
        return DataLoader(
            share, batch_size=self.loader.batch_size, collate_fn=self.loader.collate_fn
        )

    def __len__(self) -> int:
        return len(self._loader())

    def __iter__(self) -> Any:
        return iter(self._loader())


def _only_builtin_layers(model: Module, loss_fn: Any) -> bool:
    """True when every module of `model` and the loss are retrograd's own classes."""
    parts = [*model.modules(), loss_fn]
    return all(type(part).__module__.startswith("retrograd.nn") for part in parts)


def fit(
    model: Module,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Optimizer,
    data: Any = None,
    *,
    x: Any = None,
    y: Any = None,
    epochs: int = 1,
    batch_size: int = 32,
    shuffle: bool = True,
    validation_data: Any = None,
    validation_split: float = 0.0,
    metrics: Sequence[MetricLike] = (),
    callbacks: Sequence[Callback] = (),
    verbose: int = 1,
    generator: np.random.Generator | None = None,
    compile: bool = True,  # noqa: A002 - the name users know from retrograd.compile
    distributed: bool = False,
) -> History:
    """Train `model` and return its History (Keras's ``fit``, on a PyTorch-style model).

    Args:
        model: the `nn.Module` to train.
        loss_fn: ``loss_fn(output, target) -> scalar Tensor`` (e.g. ``nn.CrossEntropyLoss()``).
        optimizer: an optimizer over the model's parameters.
        data: a DataLoader (used as it is: `batch_size` and `shuffle` do not apply), a Dataset,
            or a tuple ``(x, y)``; or give `x` and `y` instead.
        x: the inputs, a Tensor or array ``(N, ...)``, when `data` is not given.
        y: the targets, a Tensor or array ``(N, ...)``, when `data` is not given.
        epochs: passes over the training data.
        batch_size: samples per batch when `fit` builds the DataLoader.
        shuffle: draw a fresh order each epoch when `fit` builds the DataLoader.
        validation_data: evaluated after every epoch: a DataLoader, a Dataset or ``(x, y)``.
        validation_split: instead, hold out this fraction of the training samples: the LAST
            ones, before any shuffling (Keras's rule; shuffle the arrays first if they are
            ordered).
        metrics: names (``"accuracy"``, ``"mae"``, ``"f1"`` ...), `Metric` objects or functions
            ``fn(y_true, y_pred)``, computed on the whole epoch's outputs.
        callbacks: `Callback` objects (`EarlyStopping`, `ModelCheckpoint` ...).
        verbose: 0 silent, 1 a progress bar on a terminal (plain lines otherwise), 2 one line
            per epoch.
        generator: the NumPy generator that orders the batches (default retrograd's global one).
        compile: replay the batch step with `retrograd.compile`. The rule: only when the model
            and the loss are retrograd's own layers on the CPU (a model moved to a GPU trains
            eagerly, its batches moved there), and only while the compile guards hold (the
            modules' attributes and `training` flags, parameters' `requires_grad`, no hooks, the
            same modules and optimizer); whatever a callback changes re-records the step or
            makes it run eagerly, so the history equals ``compile=False`` exactly.
        distributed: data-parallel over the ranks of an MPI job (`mpiexec -n N python
            train.py`, see `retrograd.distributed`): each rank trains on its share of the data
            (`batch_size` rows per rank and step), gradients are averaged after each backward,
            the logs and metrics cover every rank's samples, validation runs whole on each rank,
            and progress and file-writing callbacks (`ModelCheckpoint`, `CSVLogger`) run on
            rank 0 only. The data must be arrays or a Dataset (each rank takes its share), not
            a DataLoader.

    Returns:
        A `History`: ``history.history["loss"]``, ``["val_loss"]``, ``[<metric>]``,
        ``["val_<metric>"]``, one value per epoch. Validation runs under `no_grad` in eval
        mode; the model ends in the mode it started in.
    """
    epochs = check_positive_int("fit", "epochs", epochs, minimum=0)
    batch_size = check_positive_int("fit", "batch_size", batch_size)
    if isinstance(validation_split, bool) or not 0.0 <= validation_split < 1.0:
        raise TrainingError(f"fit: validation_split must be in [0, 1), got {validation_split!r}")
    trainer = Trainer(model, loss_fn, optimizer, metrics, callbacks, verbose, compile, distributed)

    source = resolve_data("fit", data, x, y)
    validation_source = None
    if validation_data is not None:
        validation_source = resolve_data("fit (validation_data)", validation_data, None, None)
    elif validation_split > 0.0:
        source, validation_source = split_validation("fit", source, validation_split)
    train_loader: Any = as_loader(source, batch_size, shuffle=shuffle, generator=generator)
    if distributed:
        if isinstance(source, DataLoader):
            raise TrainingError(
                "fit(distributed=True): pass the arrays or the Dataset, not a DataLoader, so "
                "each rank can take its share"
            )
        seed = int((generator or default_generator()).integers(2**31)) if shuffle else 0
        train_loader = ShardedLoader(train_loader, shuffle, _same_on_every_rank(seed))
    validation_loader = None
    if validation_source is not None:
        validation_loader = as_loader(validation_source, batch_size)
    return trainer.run(train_loader, validation_loader, epochs)


def _same_on_every_rank(seed: int) -> int:
    """Rank 0's `seed` (so every rank draws the same shuffle)."""
    from retrograd.distributed.comm import _gather_objects

    return int(_gather_objects(seed)[0])
