"""`torch.nn.utils.rnn.pad_sequence`: variable-length sequences padded into one tensor."""

from __future__ import annotations

from collections.abc import Sequence

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

    **Arguments**
    - `sequences`: tensors whose first dim is the length; the other dims must agree.
    - `batch_first`: return ``(batch, L_max, *)`` instead of ``(L_max, batch, *)``.
    - `padding_value`: the value of the padded positions.
    - `padding_side`: ``"right"`` (after each sequence) or ``"left"``.

    **Returns**
    - ``(L_max, batch, *)``, or ``(batch, L_max, *)`` with `batch_first`.
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


__all__ = ["pad_sequence"]
