"""`torch.backends.cuda`: not built with CUDA."""


def is_built() -> bool:
    return False
