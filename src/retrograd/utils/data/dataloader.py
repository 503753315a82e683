"""`torch.utils.data.dataloader`'s path: `DataLoader`, `default_collate`, `default_convert`."""

from retrograd.data.collate import default_collate, default_convert
from retrograd.data.loader import DataLoader, get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
