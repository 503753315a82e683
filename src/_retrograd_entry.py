"""The `retrograd` console script's entry point, outside the package on purpose: importing
`retrograd` loads NumPy (a few tenths of a second), and Ctrl-C during that import must end
with one line and status 130, like Ctrl-C at any later moment, not with a traceback."""

from __future__ import annotations

import sys


def main() -> int:
    """Import the command line and run it; return the exit status."""
    try:
        from retrograd.__main__ import main as run
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return run()
