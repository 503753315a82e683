"""Data loading and preprocessing (NumPy only): data sets, a seeded `DataLoader`, splits, scalers.

>>> import numpy as np
>>> from retrograd.data import DataLoader, TensorDataset
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> [tuple(x.shape) for x, y in DataLoader(ds, batch_size=2)]
[(2, 2), (2, 2), (1, 2)]
"""

from retrograd.data.collate import default_collate
from retrograd.data.dataset import Dataset, Subset, TensorDataset, random_split
from retrograd.data.encoders import LabelEncoder
from retrograd.data.loader import DataLoader
from retrograd.data.scalers import MinMaxScaler, StandardScaler
from retrograd.data.split import split_arrays

__all__ = [
    "DataLoader",
    "Dataset",
    "LabelEncoder",
    "MinMaxScaler",
    "StandardScaler",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
    "split_arrays",
]
