"""A character-level language model: an LSTM reads the opening chapters of "Alice's Adventures
in Wonderland" (examples/data/alice.txt) one character at a time and learns to predict the next
one; then it writes new text by sampling from its softmax, one character after another.

    Embedding(vocab, 32) -> LSTM(32, 128) -> Linear(128, vocab)

Trained with Adam on random windows of the text (truncated backpropagation through 64 steps),
gradients clipped to norm 1.

Run: python examples/char_lm.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import retrograd as rg
from retrograd import nn, optim
from retrograd.nn.utils import clip_grad_norm_

TEXT_PATH = Path(__file__).resolve().parent / "data" / "alice.txt"
EMBEDDING_DIM = 32
HIDDEN_SIZE = 128
SEQ_LEN = 64
BATCH_SIZE = 32
LEARNING_RATE = 1e-2
MAX_GRAD_NORM = 1.0


class CharLSTM(nn.Module):
    """Next-character logits. **Shapes:** `x: (batch, seq)` int64 character ids ->
    logits `(batch, seq, vocab_size)` and the LSTM state `(h, c)`, each `(1, batch, hidden)`."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(
        self, x: rg.Tensor, state: tuple[rg.Tensor, rg.Tensor] | None = None
    ) -> tuple[rg.Tensor, tuple[rg.Tensor, rg.Tensor]]:
        output, state = self.lstm(self.embed(x), state)
        return self.head(output), state


def load_text() -> tuple[str, list[str]]:
    """The training text and its sorted character vocabulary."""
    text = TEXT_PATH.read_text(encoding="utf-8")
    return text, sorted(set(text))


def random_windows(
    ids: np.ndarray, batch: int, length: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`batch` windows of `length` ids at random offsets, and the same windows shifted by one
    (the next character at every position): inputs and targets, each `(batch, length)`."""
    starts = rng.integers(0, len(ids) - length - 1, size=batch)
    rows = starts[:, None] + np.arange(length + 1)
    windows = ids[rows]
    return windows[:, :-1], windows[:, 1:]


def generate(
    model: CharLSTM,
    prompt: str,
    length: int,
    vocab: list[str],
    rng: np.random.Generator,
    temperature: float = 0.8,
) -> str:
    """`length` characters after `prompt`, each drawn from softmax(logits / temperature)."""
    index = {char: i for i, char in enumerate(vocab)}
    model.eval()
    chars = []
    with rg.no_grad():
        x = rg.from_numpy(np.array([[index[char] for char in prompt]], dtype=np.int64))
        logits, state = model(x)
        for _ in range(length):
            last = logits.numpy()[0, -1].astype(np.float64) / temperature
            probs = np.exp(last - last.max())
            probs /= probs.sum()
            choice = int(rng.choice(len(vocab), p=probs))
            chars.append(vocab[choice])
            logits, state = model(rg.from_numpy(np.array([[choice]], dtype=np.int64)), state)
    model.train()
    return "".join(chars)


def main(
    steps: int = 500,
    seed: int = 0,
    verbose: bool = True,
    sample_length: int = 400,
    prompt: str = "Alice ",
    log_every: int = 50,
) -> dict[str, object]:
    """Train for `steps` batches; return the per-step training losses (nats per character) and
    a `sample_length`-character continuation of `prompt`."""
    text, vocab = load_text()
    ids = np.array([vocab.index(char) for char in text], dtype=np.int64)
    rg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = CharLSTM(len(vocab), EMBEDDING_DIM, HIDDEN_SIZE)
    optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    if verbose:
        print(
            f"{len(text)} characters, vocabulary of {len(vocab)}; uniform guess = "
            f"{np.log(len(vocab)):.3f} nats"
        )

    losses: list[float] = []
    start = time.perf_counter()
    for step in range(1, steps + 1):
        inputs, targets = random_windows(ids, BATCH_SIZE, SEQ_LEN, rng)
        optimizer.zero_grad()
        logits, _ = model(rg.from_numpy(inputs))
        loss = loss_fn(logits.reshape(-1, len(vocab)), rg.from_numpy(targets.reshape(-1)))
        loss.backward()
        clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
        optimizer.step()
        losses.append(loss.item())
        if verbose and (step % log_every == 0 or step == steps):
            recent = losses[-log_every:]
            print(
                f"step {step:5d}  loss {np.mean(recent):.3f} (mean of last {len(recent)})  "
                f"{time.perf_counter() - start:6.1f} s"
            )

    sample = generate(model, prompt, sample_length, vocab, np.random.default_rng(seed))
    if verbose:
        print(f"--- sample ({sample_length} characters after {prompt!r}) ---")
        print(prompt + sample)
    return {"losses": losses, "sample": sample}


if __name__ == "__main__":
    main()
