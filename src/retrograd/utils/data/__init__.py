"""`torch.utils.data`'s names and submodules, for code written against PyTorch.

The objects are `retrograd.data`'s (one implementation, two import paths):
`from retrograd.utils.data import DataLoader` gives `retrograd.data.DataLoader`.
`DistributedSampler` (from `retrograd.distributed`) loads on first use.

>>> from retrograd.utils.data import DataLoader, TensorDataset
>>> import retrograd.data
>>> DataLoader is retrograd.data.DataLoader
True
"""

import importlib
from typing import TYPE_CHECKING

from retrograd.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)
from retrograd.utils.data import dataloader, dataset, sampler

if TYPE_CHECKING:
    from retrograd.distributed.sampler import DistributedSampler as DistributedSampler
    from retrograd.utils.data import distributed as distributed

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "dataloader",
    "dataset",
    "default_collate",
    "default_convert",
    "distributed",
    "get_worker_info",
    "random_split",
    "sampler",
]


def __getattr__(name: str) -> object:
    # distributed pulls in nn and the data-parallel machinery: load it only when asked for
    if name in ("DistributedSampler", "distributed"):
        distributed = importlib.import_module("retrograd.utils.data.distributed")
        globals()["distributed"] = distributed
        return distributed if name == "distributed" else distributed.DistributedSampler
    raise AttributeError(f"module 'retrograd.utils.data' has no attribute {name!r}")
