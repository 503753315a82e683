"""`torch.backends.cudnn`: the switches scripts set (`benchmark`, `deterministic`), inert."""

enabled = False
benchmark = False
deterministic = False


def is_available() -> bool:
    return False
