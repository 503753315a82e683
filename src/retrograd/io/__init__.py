"""Files: whole models, weights and training checkpoints, in the safetensors format.

- `save(model, path, preprocessing=..., metadata=...)` / `load(path)`: architecture and weights;
  `load` rebuilds a model of retrograd's layers with no user code (`load_with_info` also returns
  the preprocessing state and metadata), and one of your own classes as a module tree, when
  those classes are allowed (`retrograd.serialization`).
- `save_state_dict` / `load_state_dict_file`: weights alone under PyTorch's key names, for custom
  modules and for moving weights to and from PyTorch (`safetensors.torch`).
- `save_checkpoint` / `load_checkpoint`: weights, optimizer, scheduler, epoch and random state.

No pickle anywhere: loading never runs code from the file. Headers are checked before any tensor
is read, and writes are atomic (a temporary file renamed over the target).
"""

from retrograd.io.checkpoint import CheckpointInfo, load_checkpoint, save_checkpoint
from retrograd.io.config import builtin_layers, module_from_config, module_to_config
from retrograd.io.errors import ModelFileError
from retrograd.io.model import (
    ModelInfo,
    load,
    load_state_dict_file,
    load_with_info,
    save,
    save_state_dict,
)

__all__ = [
    "CheckpointInfo",
    "ModelFileError",
    "ModelInfo",
    "builtin_layers",
    "load",
    "load_checkpoint",
    "load_state_dict_file",
    "load_with_info",
    "module_from_config",
    "module_to_config",
    "save",
    "save_checkpoint",
    "save_state_dict",
]
