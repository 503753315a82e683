"""One table per kind of choice (`retrograd.train.choices`): every command that takes an
activation, optimizer or loss offers what the table holds."""

from __future__ import annotations

import argparse

import pytest

from retrograd import nn
from retrograd.cli import build_parser
from retrograd.cli import train as train_command
from retrograd.errors import InvalidArgumentError
from retrograd.sklearn import mlp
from retrograd.train import choices


def _choices(command: str, option: str) -> tuple[str, ...]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub = subparsers.choices[command]
    action = next(a for a in sub._actions if option in a.option_strings)
    return tuple(action.choices or ())


def test_train_and_explain_offer_every_activation_of_the_table() -> None:
    assert set(_choices("train", "--activation")) == set(choices.ACTIVATIONS)
    assert set(_choices("explain", "--activation")) == set(choices.ACTIVATIONS)


def test_train_offers_every_optimizer_of_the_table() -> None:
    assert set(_choices("train", "--optimizer")) == set(choices.OPTIMIZERS)


def test_the_demo_and_the_estimators_use_the_tables_classes() -> None:
    demo = set(_choices("demo", "--activation"))
    assert demo and demo <= set(choices.ACTIVATIONS)
    assert mlp.ACTIVATIONS["logistic"] is choices.ACTIVATIONS["sigmoid"]
    assert mlp.ACTIVATIONS["identity"] is choices.ACTIVATIONS["identity"]
    for name, (_, loss) in train_command.LOSSES.items():
        assert loss is choices.LOSSES[name]


@pytest.mark.parametrize("name", sorted(choices.ACTIVATIONS))
def test_every_activation_builds_a_network_train_can_use(name: str) -> None:
    model = train_command.build_model(3, 2, (4,), name)
    assert any(isinstance(m, choices.ACTIVATIONS[name]) for m in model.modules())


def test_an_unknown_name_lists_the_choices() -> None:
    with pytest.raises(InvalidArgumentError, match=r"unknown activation 'swish'; choose one of"):
        choices.activation("swish")
    assert isinstance(choices.activation("gelu"), nn.GELU)
