"""`Einsum`: one primitive for every contraction, so `bij,bjk->bik` never builds the
b x i x j x k outer product a composite of multiply and sum would need. Subscripts reach it
explicit (no ellipsis, an output given) and with every letter of one size in all operands."""

from __future__ import annotations

import numpy as np

from retrograd.autograd.node import Node
from retrograd.backend.arrays import as_array, namespace


class Einsum(Node):
    __slots__ = ("inputs_subscripts", "output_subscripts")

    def forward(self, *arrays: np.ndarray, inputs: tuple[str, ...], output: str) -> np.ndarray:
        self.saved = arrays
        self.inputs_subscripts, self.output_subscripts = inputs, output
        equation = ",".join(inputs) + "->" + output
        return as_array(np.einsum(equation, *arrays, optimize=len(arrays) > 2))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        arrays = self.saved
        subs, out_subs = self.inputs_subscripts, self.output_subscripts
        grads: list[np.ndarray | None] = []
        for i, x in enumerate(arrays):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [a for k, a in enumerate(arrays) if k != i]
            other_subs = [s for k, s in enumerate(subs) if k != i]
            grads.append(_operand_grad(grad, out_subs, others, other_subs, x, subs[i]))
        return tuple(grads)


def _operand_grad(
    grad: np.ndarray,
    out_subs: str,
    others: list[np.ndarray],
    other_subs: list[str],
    x: np.ndarray,
    subs: str,
) -> np.ndarray:
    """d(out)/d(x) applied to grad: contract grad with the other operands onto x's letters.
    Letters of x found nowhere else were summed away, so the result is constant along them;
    a letter repeated in x (a diagonal) receives the gradient on its diagonal only."""
    letters = "".join(dict.fromkeys(subs))  # unique, in order of first appearance
    sizes = {letter: x.shape[subs.index(letter)] for letter in letters}
    available = set(out_subs).union(*other_subs)
    kept = "".join(letter for letter in letters if letter in available)
    equation = ",".join([out_subs, *other_subs]) + "->" + kept
    contracted = np.einsum(equation, grad, *others, optimize=len(others) > 1)
    missing = [letter for letter in letters if letter not in available]
    contracted = contracted.reshape(contracted.shape + (1,) * len(missing))
    order = [(kept + "".join(missing)).index(letter) for letter in letters]
    full = np.broadcast_to(contracted.transpose(order), tuple(sizes[c] for c in letters))
    if len(letters) == len(subs):
        # a contiguous copy (ascontiguousarray would make a 0-d grad 1-d)
        return full.astype(x.dtype, order="C")
    out = np.zeros_like(x, order="C")
    xp = namespace(x)
    index = tuple(
        xp.arange(sizes[letter]).reshape(
            [-1 if k == letters.index(letter) else 1 for k in range(len(letters))]
        )
        for letter in subs
    )
    out[index] = full
    return out
