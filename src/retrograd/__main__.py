"""`python -m retrograd`: the same command line as `retrograd`.

The command's modules are imported inside `main`, so Ctrl-C while they load (the first few
tenths of a second) ends with a short message and status 130, as it does later on.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Import the command line and run it with `sys.argv[1:]`; return the exit status."""
    try:
        from retrograd.cli import main as run
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
