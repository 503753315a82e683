"""`python -m retrograd`: the same command line as `retrograd`."""

from retrograd.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
