"""`torch.nn.parallel` on a CPU-only machine: `DataParallel` wraps a module and calls it (as
PyTorch does when no accelerator is present); `data_parallel` needs accelerator devices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retrograd.backend.device import check_device
from retrograd.errors import InvalidArgumentError
from retrograd.nn.module import Module


class DataParallel(Module):
    """Split a batch across accelerator devices, PyTorch's wrapper. retrograd computes on the
    CPU, where PyTorch's `DataParallel` keeps the module and calls it on the whole batch: so does
    this one. The wrapped module is `self.module`, and the state dict keys start with "module."
    as in PyTorch.

    Args:
        module: the module to wrap.
        device_ids: accelerator devices; only CPU devices (or none) are accepted. Default: None.
        output_device: where outputs are gathered; the CPU. Default: None.
        dim: the batch dimension. Default: 0.
    """

    def __init__(
        self,
        module: Module,
        device_ids: Sequence[Any] | None = None,
        output_device: Any = None,
        dim: int = 0,
    ) -> None:
        super().__init__()
        for device in [*(device_ids or ()), output_device]:
            if not isinstance(device, int):
                check_device(device, "DataParallel")
        self.module = module
        self.device_ids: list[Any] = []
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """The wrapped module's output for the whole batch.

        Args:
            *inputs: the module's positional inputs.
            **kwargs: the module's keyword inputs.

        Returns:
            What `self.module(*inputs, **kwargs)` returns.
        """
        return self.module(*inputs, **kwargs)


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Sequence[Any] | None = None,
    output_device: Any = None,
    dim: int = 0,
    module_kwargs: Any = None,
) -> Any:
    """PyTorch's functional `data_parallel`, which needs accelerator devices: like PyTorch on a
    machine without any, it raises.

    Args:
        module: the module to run.
        inputs: its inputs.
        device_ids: the devices to run on. Default: None.
        output_device: where to gather the output. Default: None.
        dim: the batch dimension. Default: 0.
        module_kwargs: keyword inputs. Default: None.

    Returns:
        Never returns.

    Raises:
        InvalidArgumentError: always; call the module directly (or wrap it in `DataParallel`).
    """
    raise InvalidArgumentError(
        "data_parallel: device type could not be determined: retrograd computes on the CPU; "
        "call the module directly, or wrap it in nn.DataParallel (which calls it on the CPU)"
    )


__all__ = ["DataParallel", "data_parallel"]
