"""`torch.nn.utils.rnn`: variable-length sequences padded into one tensor (`pad_sequence`), or
packed time step by time step (`pack_padded_sequence`, `PackedSequence`) for the RNN layers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.tensor import Tensor, cat, stack


def pad_sequence(
    sequences: Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Pad tensors of shape ``(L_i, *)`` to the longest length and stack them.

    Gradients flow back to each sequence (the padding gets none).

    Args:
        sequences: tensors whose first dim is the length; the other dims must agree.
        batch_first: return ``(batch, L_max, *)`` instead of ``(L_max, batch, *)``. Default: False.
        padding_value: the value of the padded positions. Default: 0.0.
        padding_side: ``"right"`` (after each sequence) or ``"left"``. Default: "right".

    Returns:
        ``(L_max, batch, *)``, or ``(batch, L_max, *)`` with `batch_first`.
    """
    if padding_side not in ("right", "left"):
        raise InvalidArgumentError(
            f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}"
        )
    if len(sequences) == 0:
        raise InvalidArgumentError("pad_sequence: received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for index, sequence in enumerate(sequences):
        if tuple(sequence.shape[1:]) != trailing:
            raise ShapeError(
                f"pad_sequence: every sequence must have the trailing shape {trailing} of the "
                f"first one, but sequence {index} has shape {tuple(sequence.shape)}"
            )
    longest = max(sequence.shape[0] for sequence in sequences)
    padded = []
    for sequence in sequences:
        missing = longest - sequence.shape[0]
        if missing == 0:
            padded.append(sequence)
            continue
        filler = sequence.new_full((missing, *trailing), padding_value)
        parts = [sequence, filler] if padding_side == "right" else [filler, sequence]
        padded.append(cat(parts, dim=0))
    return stack(padded, dim=0 if batch_first else 1)


class PackedSequence(NamedTuple):
    """`torch.nn.utils.rnn.PackedSequence`: sequences of different lengths, time step by time
    step. `data` holds, for t = 0, 1, ..., the rows of the sequences longer than t (longest
    first); `batch_sizes[t]` says how many; `sorted_indices` / `unsorted_indices` map between
    the caller's order and the longest-first order (None when the input was already sorted)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def _lengths(lengths: Any) -> np.ndarray:
    values = np.asarray(getattr(lengths, "array", lengths), dtype=np.int64).reshape(-1)
    if values.size == 0 or (values <= 0).any():
        raise InvalidArgumentError(
            f"pack_padded_sequence: every length must be positive, got {values.tolist()}"
        )
    return values


def pack_padded_sequence(
    input: Tensor,  # noqa: A002
    lengths: Any,
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch `(L, B, *)` (`(B, L, *)` with `batch_first`) whose sequence b has
    `lengths[b]` valid steps. With `enforce_sorted`, the lengths must decrease."""
    sizes = _lengths(lengths)
    x = input.transpose(0, 1) if batch_first else input
    if x.shape[1] != sizes.size:
        raise ShapeError(
            f"pack_padded_sequence: {sizes.size} lengths for a batch of {x.shape[1]} sequences"
        )
    if sizes.max() > x.shape[0]:
        raise InvalidArgumentError(
            f"pack_padded_sequence: a length {int(sizes.max())} is longer than the padded "
            f"sequences ({x.shape[0]} steps)"
        )
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None
    if enforce_sorted:
        if (np.diff(sizes) > 0).any():
            raise InvalidArgumentError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
        order = np.arange(sizes.size)
    else:
        order = np.argsort(-sizes, kind="stable")
        sorted_indices = Tensor(order.astype(np.int64))
        unsorted_indices = Tensor(np.argsort(order).astype(np.int64))
        x = x.index_select(1, sorted_indices)
        sizes = sizes[order]
    batch_sizes = np.array([(sizes > t).sum() for t in range(int(sizes[0]))], dtype=np.int64)
    data = cat([x[t, : int(n)] for t, n in enumerate(batch_sizes)], dim=0)
    return PackedSequence(data, Tensor(batch_sizes), sorted_indices, unsorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo `pack_padded_sequence`: the padded batch (in the caller's order) and the lengths."""
    batch_sizes = np.asarray(sequence.batch_sizes.array, dtype=np.int64)
    steps, batch = len(batch_sizes), int(batch_sizes[0])
    if total_length is not None and total_length < steps:
        raise InvalidArgumentError(
            f"pad_packed_sequence: total_length {total_length} is shorter than the longest "
            f"sequence ({steps} steps)"
        )
    data = sequence.data
    trailing = tuple(data.shape[1:])
    rows, offset = [], 0
    for n in batch_sizes:
        part = data[offset : offset + int(n)]
        offset += int(n)
        if int(n) < batch:
            part = cat([part, data.new_full((batch - int(n), *trailing), padding_value)], dim=0)
        rows.append(part)
    for _ in range((total_length or steps) - steps):
        rows.append(data.new_full((batch, *trailing), padding_value))
    padded = stack(rows, dim=0)  # (T, B, *) in longest-first order
    lengths = np.array([(batch_sizes > b).sum() for b in range(batch)], dtype=np.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[np.asarray(sequence.unsorted_indices.array)]
    return (padded.transpose(0, 1) if batch_first else padded), Tensor(lengths)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack tensors of shape `(L_i, *)` (see `pack_padded_sequence`)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
]
