"""Data loading and preprocessing (NumPy only): data sets, samplers, a seeded `DataLoader`, splits,
scalers. The same objects are importable from `retrograd.utils.data`, PyTorch's path.

>>> import numpy as np
>>> from retrograd.data import DataLoader, TensorDataset
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> [tuple(x.shape) for x, y in DataLoader(ds, batch_size=2)]
[(2, 2), (2, 2), (1, 2)]
"""

from retrograd.data.collate import default_collate, default_convert
from retrograd.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from retrograd.data.encoders import LabelEncoder
from retrograd.data.loader import DataLoader, get_worker_info
from retrograd.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from retrograd.data.scalers import MinMaxScaler, StandardScaler
from retrograd.data.split import split_arrays

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "LabelEncoder",
    "MinMaxScaler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StandardScaler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
    "split_arrays",
]
