"""`retrograd.compile`: record a training step once, replay it while nothing it reads changed.

`step.py` holds the contract and `CompiledStep`; `tape.py` records the ops and writes the
replay; `guards.py` turns the Python state a recording read into one generated check;
`watch.py` observes the recording (calls, reads of `.data`, `.array` and `.grad`).
"""

from retrograd.compiler.step import CompiledStep, compile

__all__ = ["CompiledStep", "compile"]
