"""The built-in seed data and logic gates hold the values their names promise."""

import numpy as np
import pytest

from retrograd import datasets
from retrograd.datasets import DATASETS, GATES, load, logic_gate, seed

# Written with Python's boolean operators, independently of the implementation's bit rules.
TRUTH = {
    "and": lambda a, b: a and b,
    "or": lambda a, b: a or b,
    "nand": lambda a, b: not (a and b),
    "nor": lambda a, b: not (a or b),
    "xor": lambda a, b: a != b,
    "xnor": lambda a, b: a == b,
}


def test_seed_values() -> None:
    X, y = seed()
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert X.shape == (6, 3) and y.shape == (6, 1)
    np.testing.assert_array_equal(
        X, [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [1, 0, 0], [1, 1, 0]]
    )
    np.testing.assert_array_equal(y, [[0], [1], [0], [1], [0], [1]])


def test_seed_target_is_middle_column() -> None:
    X, y = seed()
    np.testing.assert_array_equal(y[:, 0], X[:, 1])


def test_seed_returns_fresh_arrays() -> None:
    X, y = seed()
    X[:] = 7
    y[:] = 7
    X2, y2 = seed()
    assert X2.max() == 1 and y2.max() == 1


def test_gate_names_are_covered() -> None:
    assert set(GATES) == set(TRUTH)
    assert DATASETS == ("seed", *GATES)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_gate_truth_table(name: str) -> None:
    X, y = logic_gate(name)
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert X.shape == (4, 2) and y.shape == (4, 1)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    expected = [[float(bool(TRUTH[name](bool(a), bool(b))))] for a, b in X.astype(int)]
    np.testing.assert_array_equal(y, expected)


def test_xor_spelled_out() -> None:
    _, y = logic_gate("xor")
    assert y[:, 0].tolist() == [0.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("name", ["AND", "Xor", "nAnD", "XNOR"])
def test_gate_name_is_case_insensitive(name: str) -> None:
    X, y = logic_gate(name)
    X_ref, y_ref = logic_gate(name.lower())
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_unknown_gate_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown logic gate 'nxor'") as info:
        logic_gate("nxor")
    for name in GATES:
        assert name in str(info.value)


@pytest.mark.parametrize("name", DATASETS)
def test_load_dispatches(name: str) -> None:
    X, y = load(name.upper())
    X_ref, y_ref = seed() if name == "seed" else logic_gate(name)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_load_unknown_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown data set 'iris'") as info:
        load("iris")
    for name in DATASETS:
        assert name in str(info.value)


def test_module_exports() -> None:
    assert set(datasets.__all__) >= {"DATASETS", "GATES", "load", "logic_gate", "seed"}
