"""graph(tensor): DOT text of the computation graph; render() through Graphviz's `dot`."""

from __future__ import annotations

import re
import shutil
import stat
import sys
from pathlib import Path

import pytest

import retrograd as rg
from retrograd import nn
from retrograd.diagnostics.graph import GraphvizError, graph, render
from retrograd.errors import RetrogradError

NODE = re.compile(r'^  (n\d+) \[label="([^"]*)", fillcolor="([^"]*)"\]$')
EDGE = re.compile(r"^  (n\d+) -> (n\d+)$")


def _parse(dot: str) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str]]]:
    """{id: (label, colour)} and [(from, to)], failing on any line that is neither."""
    lines = dot.splitlines()
    assert lines[0] == "digraph {" and lines[-1] == "}"
    assert lines[1].startswith("  node [shape=box")
    nodes: dict[str, tuple[str, str]] = {}
    edges: list[tuple[str, str]] = []
    for line in lines[2:-1]:
        if match := NODE.match(line):
            nodes[match[1]] = (match[2], match[3])
        elif match := EDGE.match(line):
            edges.append((match[1], match[2]))
        else:
            raise AssertionError(f"unexpected DOT line {line!r}")
    return nodes, edges


def _by_label(nodes: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {label: key for key, (label, _) in nodes.items()}


def test_small_network_graph_has_the_known_nodes_and_edges() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
    loss = model(rg.randn(4, 3)).sum()  # the input does not require grad: not drawn
    nodes, edges = _parse(graph(loss, params=dict(model.named_parameters())))
    assert len(nodes) == 6 and len(edges) == 5
    ids = _by_label(nodes)
    assert set(ids) == {
        "output\\n()",
        "Sum",
        "Sigmoid",
        "Linear",
        "0.weight\\n(2, 3)",
        "0.bias\\n(2)",
    }
    expected = [
        ("Sum", "output\\n()"),
        ("Sigmoid", "Sum"),
        ("Linear", "Sigmoid"),
        ("0.weight\\n(2, 3)", "Linear"),
        ("0.bias\\n(2)", "Linear"),
    ]
    assert sorted(edges) == sorted((ids[a], ids[b]) for a, b in expected)
    colours = {label: colour for label, colour in nodes.values()}
    assert colours["0.weight\\n(2, 3)"] == "lightblue" and colours["Linear"] == "lightgray"
    assert colours["output\\n()"] == "darkolivegreen1"


def test_a_tensor_used_twice_gets_two_edges_and_unnamed_leaves_show_shapes() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    w = rg.tensor([3.0, 4.0], requires_grad=True)
    nodes, edges = _parse(graph((x * x + w).sum(), show_shapes=True))
    ids = _by_label(nodes)
    assert sorted(label for label, _ in nodes.values()) == sorted(
        ["output\\n()", "Sum", "Add", "Mul", "(2)", "(2)"]
    )
    assert len(edges) == 6  # x->Mul twice, Mul->Add, w->Add, Add->Sum, Sum->output
    into_mul = [a for a, b in edges if b == ids["Mul"]]
    assert len(into_mul) == 2 and into_mul[0] == into_mul[1]  # the same leaf, twice


def test_shared_subgraph_is_drawn_once_and_custom_function_names_show() -> None:
    class Double(rg.Function):
        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return x * 2

        @staticmethod
        def backward(ctx, grad):  # type: ignore[no-untyped-def]
            return grad * 2

    x = rg.tensor([1.0], requires_grad=True)
    h = Double.apply(x).exp()
    out = h * h + h
    nodes, edges = _parse(graph(out, show_shapes=False))
    labels = sorted(label for label, _ in nodes.values())
    assert labels == ["", "Add", "Double", "Exp", "Mul", "output"]
    exp_id = _by_label(nodes)["Exp"]
    assert sum(1 for a, _ in edges if a == exp_id) == 3  # h feeds Mul twice and Add once


def test_several_outputs_and_a_leaf_output() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    nodes, _ = _parse(graph([x.sum(), x.exp()]))
    labels = {label for label, _ in nodes.values()}
    assert {"output 0\\n()", "output 1\\n(2)", "Sum", "Exp", "(2)"} == labels
    only, edges = _parse(graph(x))
    assert list(only.values()) == [("output\\n(2)", "darkolivegreen1")] and edges == []


def test_labels_are_escaped() -> None:
    x = rg.tensor([1.0], requires_grad=True)
    dot = graph(x * 2, params={'say "hi"\\': x})
    assert '[label="say \\"hi\\"\\\\\\n(1)", fillcolor="lightblue"]' in dot


def test_render_without_graphviz_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GraphvizError) as caught:
        render("digraph {}", "out.svg")
    message = str(caught.value)
    assert isinstance(caught.value, RetrogradError)
    assert "Graphviz program `dot`" in message and "apt install graphviz" in message
    assert "DOT text" in message


def test_render_runs_dot_with_the_format_and_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a stand-in `dot`: writes its arguments and the DOT text it was given to the -o file
    fake = tmp_path / "dot"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "args = sys.argv[1:]\n"
        "out = args[args.index('-o') + 1]\n"
        "open(out, 'w').write(' '.join(args) + '\\n' + sys.stdin.read())\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(shutil, "which", lambda name: str(fake))
    target = tmp_path / "graph.png"
    dot = graph(rg.tensor([1.0], requires_grad=True).exp())
    assert render(dot, target, format="png") == target
    written = target.read_text()
    assert written.startswith(f"-Tpng -o {target}\n") and written.endswith(dot)

    failing = tmp_path / "bad-dot"
    failing.write_text(
        f"#!{sys.executable}\nimport sys\nsys.stderr.write('syntax error')\nsys.exit(1)\n"
    )
    failing.chmod(failing.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(shutil, "which", lambda name: str(failing))
    with pytest.raises(GraphvizError, match=r"exit status 1\): syntax error"):
        render(dot, tmp_path / "x.svg")
    with pytest.raises(ValueError, match="svg, png, pdf"):
        render(dot, tmp_path / "x.gif", format="gif")
