"""The PyArrow reader (the fast path) against the stdlib reader (the reference) on generated
CSV files: the same feature matrix, the same labels, or the same error message."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrograd.cli import csvdata
from retrograd.errors import RetrogradError

pytest.importorskip("pyarrow")  # part of the test extra: always there in `make test`

FORMATS = ["{:.6f}", "{:.3e}", "{!r}", "{:.0f}", "{:+.2f}"]
cells = st.one_of(
    st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from(FORMATS)).map(
        lambda pair: pair[1].format(pair[0])
    ),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["", "NaN", "?"]),  # missing spellings of a feature cell
)
labels = st.one_of(st.sampled_from(["yes", "no", "NA", "x y"]), st.integers(0, 3).map(str))


def read(path: str, arrow: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[str, object]:
    """What a user gets: the matrix and labels, or the error line."""
    with monkeypatch.context() as patch:
        if not arrow:
            patch.setattr(csvdata, "_pyarrow", lambda: None)
        try:
            table = csvdata.read_csv(path, text_columns=["label"])
            features = [name for name in table.columns if name != "label"]
            matrix = csvdata.numeric_matrix(table, features, allow_missing=True)
            return "ok", (
                table.columns,
                matrix.tolist(),
                csvdata.label_array(table, "label").tolist(),
            )
        except RetrogradError as error:
            return "error", str(error)


# monkeypatch is only used inside `monkeypatch.context()`, undone after every example
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.integers(1, 4).flatmap(
        lambda width: st.lists(
            st.tuples(st.lists(cells, min_size=width, max_size=width), labels),
            min_size=1,
            max_size=30,
        )
    )
)
def test_the_fast_reader_gives_what_the_stdlib_reader_gives(
    rows: list[tuple[list[str], str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    width = len(rows[0][0])
    header = ",".join([f"f{i}" for i in range(width)] + ["label"])
    text = "\n".join([header] + [",".join([*features, label]) for features, label in rows]) + "\n"
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "d.csv")
        Path(path).write_text(text, encoding="utf-8")
        fast, reference = read(path, True, monkeypatch), read(path, False, monkeypatch)
    assert fast[0] == reference[0], (fast, reference)
    if fast[0] == "error":
        assert fast[1] == reference[1]
    else:
        columns, matrix, label_values = fast[1]  # type: ignore[misc]
        ref_columns, ref_matrix, ref_labels = reference[1]  # type: ignore[misc]
        assert columns == ref_columns and label_values == ref_labels
        np.testing.assert_array_equal(np.array(matrix), np.array(ref_matrix))
