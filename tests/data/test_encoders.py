"""LabelEncoder equals scikit-learn's; unknown labels and mixed types are named."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import preprocessing

import retrograd as rg
from retrograd.data import LabelEncoder

label_lists = st.one_of(
    st.lists(st.sampled_from(["cat", "dog", "ant", "bee", "Zebra"]), min_size=1, max_size=30),
    st.lists(st.integers(-5, 5), min_size=1, max_size=30),
    st.lists(st.sampled_from([0.5, -1.0, 2.25, 10.0]), min_size=1, max_size=30),
)


@settings(max_examples=25)
@given(labels=label_lists)
def test_equals_sklearn(labels: list) -> None:
    ours, ref = LabelEncoder().fit(labels), preprocessing.LabelEncoder().fit(labels)
    assert ours.classes_.tolist() == ref.classes_.tolist()
    encoded = ours.transform(labels)
    assert encoded.dtype == np.int64
    np.testing.assert_array_equal(encoded, ref.transform(labels))
    assert ours.inverse_transform(encoded).tolist() == list(labels)


@settings(max_examples=25)
@given(labels=label_lists)
def test_state_dict_round_trips_through_json(labels: list) -> None:
    encoder = LabelEncoder().fit(labels)
    restored = LabelEncoder.from_state_dict(json.loads(json.dumps(encoder.state_dict())))
    assert restored.classes_.dtype == encoder.classes_.dtype
    np.testing.assert_array_equal(restored.classes_, encoder.classes_)
    np.testing.assert_array_equal(restored.transform(labels), encoder.transform(labels))


def test_worked_example_and_tensors() -> None:
    encoder = LabelEncoder().fit(["paris", "tokyo", "paris", "amsterdam"])
    assert encoder.classes_.tolist() == ["amsterdam", "paris", "tokyo"]
    assert encoder.transform(["tokyo", "amsterdam"]).tolist() == [2, 0]
    assert LabelEncoder().fit_transform(rg.tensor([3, 1, 3])).tolist() == [1, 0, 1]
    assert LabelEncoder().fit([[2], [1]]).classes_.tolist() == [1, 2]  # a column is flattened


def test_unknown_label_is_named() -> None:
    encoder = LabelEncoder().fit(["a", "b"])
    with pytest.raises(
        ValueError, match=r"labels not seen in fit: \['c'\]; known classes: \['a', 'b'\]"
    ):
        encoder.transform(["a", "c"])
    with pytest.raises(ValueError, match=r"not seen in fit: \[3\]"):
        encoder.transform([3])
    with pytest.raises(ValueError, match=r"not seen in fit: \[7\]"):
        LabelEncoder().fit([1, 2]).transform([1, 7])


def test_other_errors_are_named() -> None:
    with pytest.raises(
        rg.DTypeError, match=r"all strings or all numbers, got \['number', 'string'\]"
    ):
        LabelEncoder().fit(["a", 1])
    with pytest.raises(rg.ShapeError, match=r"must be 1-d .* got shape \(2, 2\)"):
        LabelEncoder().fit([[1, 2], [3, 4]])
    with pytest.raises(rg.RetrogradError, match="LabelEncoder is not fitted yet"):
        LabelEncoder().transform([1])
    encoder = LabelEncoder().fit(["x", "y"])
    with pytest.raises(ValueError, match=r"indices \[2\] are out of range for 2 classes"):
        encoder.inverse_transform([0, 2])
    with pytest.raises(rg.StateDictError, match=r"missing keys \['dtype'\]"):
        LabelEncoder.from_state_dict({"classes_": [1]})
