"""`torch.serialization`'s allow-list for loading whole models of your own classes.

`retrograd.save(model, f)` writes any model (never a pickle); `retrograd.load(f)` rebuilds one of
your own classes only when the class is allowed here or the load passes `weights_only=False`,
as PyTorch's loader does (no pickle is ever read).
"""

from retrograd.io.module_tree import (
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"]
