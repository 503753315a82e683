"""AdamW: Adam with weight decay applied to the weights instead of added to the gradient."""

from __future__ import annotations

from typing import Any

from retrograd.optim.adam import Adam
from retrograd.optim.optimizer import ParamsT


class AdamW(Adam):
    """AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay (default 1e-2).

    Each step first shrinks the weights by ``lr * weight_decay`` of themselves, then takes the
    Adam step with the undecayed gradient. Arguments and state are those of `Adam`.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore saved state; the groups keep decoupled weight decay whatever the dict says."""
        groups = state_dict.get("param_groups")
        if isinstance(groups, list):
            pinned = [
                {k: v for k, v in g.items() if k != "decoupled_weight_decay"}
                if isinstance(g, dict)
                else g
                for g in groups
            ]
            state_dict = {**state_dict, "param_groups": pinned}
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
