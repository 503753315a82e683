"""Every optimizer training an nn.Sequential MLP, against PyTorch training the same network."""

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import nn, optim
from retrograd.nn.utils import clip_grad_norm_

from .helpers import ATOL, RTOL

CASES = [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.01}),
]


def torch_mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)
    ).double()


def retrograd_mlp_like(torch_model):
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    model.load_state_dict({k: v.detach().numpy() for k, v in torch_model.state_dict().items()})
    return model


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[name for name, _ in CASES])
def test_training_an_mlp_matches_torch(name, kwargs):
    rng = np.random.default_rng(1)
    x_values, y_values = rng.standard_normal((32, 4)), rng.standard_normal((32, 3))
    theirs = torch_mlp()
    ours = retrograd_mlp_like(theirs)
    their_optimizer = getattr(torch.optim, name)(theirs.parameters(), foreach=False, **kwargs)
    our_optimizer = getattr(optim, name)(ours.named_parameters(), **kwargs)
    their_loss_fn, our_loss_fn = torch.nn.MSELoss(), nn.MSELoss()
    x, y = rg.tensor(x_values), rg.tensor(y_values)
    torch_x, torch_y = torch.tensor(x_values), torch.tensor(y_values)

    for step in range(1, 51):
        our_optimizer.zero_grad()
        our_loss = our_loss_fn(ours(x), y)
        our_loss.backward()
        clip_grad_norm_(ours.parameters(), max_norm=0.5)
        our_optimizer.step()

        their_optimizer.zero_grad()
        their_loss = their_loss_fn(theirs(torch_x), torch_y)
        their_loss.backward()
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), max_norm=0.5)
        their_optimizer.step()

        np.testing.assert_allclose(our_loss.item(), their_loss.item(), rtol=RTOL)
        their_params = dict(theirs.named_parameters())
        for key, param in ours.named_parameters():
            np.testing.assert_allclose(
                param.array,
                their_params[key].detach().numpy(),
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"{name}: {key} differs after step {step}",
            )
    assert our_loss.item() < 0.9 * our_loss_fn(retrograd_mlp_like(torch_mlp())(x), y).item()
