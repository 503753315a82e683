"""The doctor's checks, one module per family; each check takes a `Subject` and returns a list
of `Finding`s."""
