"""`save(model, f)` / `load(f)` for models of your own classes, as `torch.save(model, f)` and
`torch.load(f)` are used: written as a module tree (never a pickle), loaded only when the
classes are allowed, as PyTorch's `weights_only` rule says."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn
from retrograd.io import ModelFileError
from retrograd.io.fileformat import header_metadata
from retrograd.io.module_tree import module_to_tree
from retrograd.io.safetensors_file import write_arrays
from retrograd.nn import functional as F


class PositionalEncoding(nn.Module):
    def __init__(self, d_model: int, max_len: int = 16) -> None:
        super().__init__()
        position = rg.arange(0, max_len, dtype=rg.float32).unsqueeze(1)
        div = rg.exp(rg.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe = rg.zeros(max_len, d_model)
        pe[:, 0::2] = rg.sin(position * div)
        pe[:, 1::2] = rg.cos(position * div)
        self.register_buffer("pe", pe)
        self.register_buffer("scratch", rg.ones(2), persistent=False)

    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return x + self.pe[: x.shape[1]]


class LanguageModel(nn.Module):
    def __init__(self, vocab: int = 11, width: int = 8) -> None:
        super().__init__()
        self.encoder = nn.Embedding(vocab, width)
        self.position = PositionalEncoding(width)
        self.rnn = nn.LSTM(width, width, 2, batch_first=True)
        self.block = nn.TransformerEncoderLayer(width, 2, 16, dropout=0.0, batch_first=True)
        self.decoder = nn.Linear(width, vocab)
        self.decoder.weight = self.encoder.weight  # tied, as word_language_model does
        self.encoder.weight.requires_grad_(True)
        self.position.requires_grad_(False)
        self.kind = "LSTM"
        self.sizes = (vocab, width)
        self.act = F.relu
        self.scale = rg.tensor([0.5, 2.0])

    def forward(self, tokens: rg.Tensor) -> rg.Tensor:
        x = self.position(self.encoder(tokens))
        x, _ = self.rnn(self.act(x))
        return self.decoder(self.block(x)) * self.scale[0]


def _tokens() -> rg.Tensor:
    return rg.tensor(np.random.default_rng(0).integers(0, 11, (3, 5)))


def _saved(model: nn.Module) -> io.BytesIO:
    buffer = io.BytesIO()
    rg.save(model, buffer)
    buffer.seek(0)
    return buffer


def test_a_whole_custom_model_comes_back_equal() -> None:
    rg.manual_seed(0)
    model = LanguageModel().eval()
    loaded = rg.load(_saved(model), weights_only=False)
    assert type(loaded) is LanguageModel and not loaded.training
    np.testing.assert_array_equal(
        loaded(_tokens()).detach().numpy(), model(_tokens()).detach().numpy()
    )
    assert loaded.decoder.weight is loaded.encoder.weight  # still tied
    assert loaded.kind == "LSTM" and loaded.sizes == (11, 8) and loaded.act is F.relu
    assert isinstance(loaded.scale, rg.Tensor) and loaded.scale.tolist() == [0.5, 2.0]
    assert "position.scratch" not in loaded.state_dict()
    assert "position.scratch" in dict(loaded.named_buffers())
    assert sorted(loaded.state_dict()) == sorted(model.state_dict())
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert frozen == {n for n, p in loaded.named_parameters() if not p.requires_grad}


def test_the_loaded_model_trains_like_the_original() -> None:
    rg.manual_seed(0)
    model = LanguageModel()
    loaded = rg.load(_saved(model), weights_only=False)
    for net in (model, loaded):
        opt = rg.optim.SGD(net.parameters(), lr=0.1)
        for _ in range(2):
            opt.zero_grad()
            net(_tokens()).pow(2).mean().backward()
            opt.step()
    for (name, a), (_, b) in zip(model.named_parameters(), loaded.named_parameters()):
        np.testing.assert_array_equal(a.array, b.array, err_msg=name)


def test_your_own_classes_load_only_when_allowed() -> None:
    saved = _saved(LanguageModel())
    with pytest.raises(ModelFileError, match="LanguageModel, which is not one of retrograd's"):
        rg.load(saved)
    saved.seek(0)
    with rg.serialization.safe_globals([LanguageModel, PositionalEncoding]):
        assert isinstance(rg.load(saved), LanguageModel)
    assert rg.serialization.get_safe_globals() == []
    saved.seek(0)
    rg.serialization.add_safe_globals([LanguageModel, PositionalEncoding])
    try:
        assert isinstance(rg.load(saved), LanguageModel)
    finally:
        rg.serialization.clear_safe_globals()


def test_a_model_of_retrograd_layers_needs_no_allow_list(tmp_path: Path) -> None:
    model = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2)
    rg.save(model, tmp_path / "m.pt")
    loaded = rg.load(tmp_path / "m.pt")
    x = rg.randn(4, 3, 8)
    model.eval(), loaded.eval()
    np.testing.assert_array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())


def test_what_a_file_cannot_name_is_refused_at_save() -> None:
    model = LanguageModel()
    model.act = lambda x: x  # type: ignore[assignment]
    with pytest.raises(ModelFileError, match=r"model\.act.*lambda"):
        rg.save(model, io.BytesIO())


def _hostile(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    tree, arrays = module_to_tree(LanguageModel())
    edit(tree)
    path = tmp_path / "hostile.pt"
    write_arrays(path, arrays, header_metadata("module", module=tree))
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.update({"class": "os:system"}), "not one of retrograd's"),
        (
            lambda t: t["attributes"].update(act={"__retrograd_callable__": "os:system"}),
            "not one of retrograd's",
        ),
        (lambda t: t.update({"class": "retrograd.tensor:Tensor"}), "not a Module class"),
        (lambda t: t.update({"class": "no_such_module:Net"}), "not one of retrograd's"),
        (lambda t: t["modules"]["decoder"]["parameters"].update(bad=["missing", True]), "lacks"),
        (lambda t: t["modules"]["decoder"]["parameters"].update(bad="x"), "pair"),
    ],
    ids=[
        "foreign-class",
        "foreign-function",
        "not-a-module",
        "unknown-module",
        "no-tensor",
        "bad-entry",
    ],
)
def test_hostile_module_trees_are_refused(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    trusted = message in ("lacks", "pair")  # the classes allowed: the damage is found inside
    with pytest.raises(ModelFileError, match=message):
        rg.load(_hostile(tmp_path, edit), weights_only=not trusted)


def test_even_with_weights_only_false_nothing_is_imported_and_only_modules_are_made(
    tmp_path: Path,
) -> None:
    path = _hostile(tmp_path, lambda t: t.update({"class": "no_such_module:Net"}))
    with pytest.raises(ModelFileError, match="not imported"):
        rg.load(path, weights_only=False)
    path = _hostile(tmp_path, lambda t: t.update({"class": "os:system"}))
    with pytest.raises(ModelFileError, match="not a Module class"):
        rg.load(path, weights_only=False)


def test_the_model_commands_name_the_way_to_load_it(tmp_path: Path) -> None:
    rg.save(LanguageModel(), tmp_path / "m.pt")
    with pytest.raises(ModelFileError, match="weights_only=False"):
        rg.io.load_with_info(tmp_path / "m.pt")


def test_saving_and_loading_a_whole_model_never_pickles(monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle was used")

    for name in ("dump", "dumps", "load", "loads", "Pickler", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    saved = _saved(LanguageModel())
    assert saved.getvalue()[8:9] == b"{"  # a safetensors header, not a pickle stream
    assert isinstance(rg.load(saved, weights_only=False), LanguageModel)
