"""summary(model, input_size): rows, shapes, parameter counts, the table, and no side effects."""

from __future__ import annotations

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn
from retrograd.diagnostics.summary import summary


def _model() -> nn.Sequential:
    rg.manual_seed(0)
    return nn.Sequential(
        nn.Linear(3, 8),
        nn.ReLU(),
        nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5)),
        nn.Linear(8, 1),
        nn.Sigmoid(),
    )


def test_rows_hold_names_types_shapes_and_own_parameter_counts() -> None:
    model = _model()
    result = summary(model, (4, 3))
    rows = [(r["name"], r["type"], r["depth"], r["output_shape"], r["params"]) for r in result.rows]
    assert rows == [
        ("0", "Linear", 1, (4, 8), 32),
        ("1", "ReLU", 1, (4, 8), 0),
        ("2", "Sequential", 1, (4, 8), 0),
        ("2.0", "Linear", 2, (4, 8), 72),
        ("2.1", "Dropout", 2, (4, 8), 0),
        ("3", "Linear", 1, (4, 1), 9),
        ("4", "Sigmoid", 1, (4, 1), 0),
    ]
    assert result.total_params == 113 == sum(p.numel() for p in model.parameters())
    assert result.trainable_params == 113 and result.non_trainable_params == 0


def test_frozen_parameters_count_as_non_trainable() -> None:
    model = _model()
    model[0].requires_grad_(False)
    result = summary(model, (2, 3))
    assert (result.total_params, result.trainable_params, result.non_trainable_params) == (
        113,
        81,
        32,
    )
    assert result.rows[0]["trainable"] == 0 and result.rows[0]["params"] == 32


def test_table_is_aligned_with_totals() -> None:
    text = str(summary(_model(), (4, 3)))
    lines = text.splitlines()
    assert lines[0] == "Sequential on input [4, 3]"
    header = next(line for line in lines if line.startswith("Layer (type)"))
    assert "Output Shape" in header and header.endswith("Param #")
    table = [line for line in lines if line.startswith(("0 ", "1 ", "2", "  2.", "3 ", "4 "))]
    assert len(table) == 7
    assert len({len(line) for line in [header, *table]}) == 1  # one width: the numbers align
    assert "  2.0 (Linear)" in text  # children are indented under their parent
    assert table[0].split()[-1] == "32" and "[4, 8]" in table[0]
    for expected in ["Total params: 113", "Trainable params: 113", "Non-trainable params: 0"]:
        assert expected in lines
    assert "Params size: 452 B" in lines


def test_summary_leaves_the_model_and_random_state_untouched() -> None:
    model = _model()
    model[2][1].train()
    before = {k: v.array.copy() for k, v in model.state_dict().items()}
    state = rg.get_rng_state()
    summary(model, (4, 3))  # in eval mode inside, so dropout draws nothing
    assert all(m.training for m in model.modules())
    drawn = rg.randn(3).tolist()
    rg.set_rng_state(state)
    assert rg.randn(3).tolist() == drawn
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.array, before[key])
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_eval_mode_is_restored_per_module() -> None:
    model = _model().eval()
    model[2].train()
    summary(model, (1, 3))
    assert [m.training for m in model.modules()] == [
        False,
        False,
        False,
        True,
        True,
        True,
        False,
        False,
    ]


def test_shared_layer_is_counted_once_and_tuple_outputs_are_listed() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(2, 2)

        def forward(self, x: rg.Tensor) -> tuple[rg.Tensor, rg.Tensor]:
            y = self.layer(self.layer(x))
            return y, y.sum(dim=1)

    result = summary(Twice(), (5, 2))
    assert [r["params"] for r in result.rows] == [6, 0]
    assert [r["first_call"] for r in result.rows] == [True, False]
    assert result.total_params == 6
    assert "(shared)" in str(result)
    lone = summary(nn.Linear(2, 2), (5, 2))
    assert lone.rows[0]["name"] == "" and lone.rows[0]["output_shape"] == (5, 2)
    multi = summary(nn.LSTM(2, 3, batch_first=True), (4, 5, 2))
    assert multi.rows[0]["output_shape"] == [(4, 5, 3), [(1, 4, 3), (1, 4, 3)]]
    assert "[[4, 5, 3], [[1, 4, 3], [1, 4, 3]]]" in str(multi)


def test_integer_inputs_input_data_and_several_inputs() -> None:
    emb = summary(nn.Embedding(10, 4), (2, 7), dtype="int64")
    assert emb.rows[0]["output_shape"] == (2, 7, 4) and emb.total_params == 40
    given = summary(nn.Linear(3, 1), input_data=rg.ones(6, 3))
    assert given.input_size == [(6, 3)]

    class Pair(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(2, 1), nn.Linear(3, 1)

        def forward(self, x: rg.Tensor, z: rg.Tensor) -> rg.Tensor:
            return self.a(x) + self.b(z)

    pair = summary(Pair(), [(4, 2), (4, 3)])
    assert [r["output_shape"] for r in pair.rows] == [(4, 1), (4, 1)]
    assert str(pair).splitlines()[0] == "Pair on input [4, 2], [4, 3]"


def test_unused_layers_are_noted_and_bad_arguments_raise() -> None:
    class Unused(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used, self.spare = nn.Linear(2, 2), nn.Linear(2, 2)

        def forward(self, x: rg.Tensor) -> rg.Tensor:
            return self.used(x)

    assert "Not called in forward: spare" in str(summary(Unused(), (1, 2)))
    with pytest.raises(ValueError, match="needs input_size"):
        summary(nn.Linear(2, 2))
