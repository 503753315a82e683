"""The package version, read by the build system and by ``retrograd.__version__``."""

__version__ = "0.1.0"
