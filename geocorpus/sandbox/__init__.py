"""Execution sandbox for generated code: a separate, limited process with no network and its own temp dir.

Used by the `executes` verifier (generation) and by pass@k (evaluation). See `runner.py` for the process,
`isolation.py` for the kernel mechanisms and `_child.py` for what runs in the child before the code.
"""

from geocorpus.sandbox.runner import run_many, run_python
from geocorpus.sandbox.types import Limits, SandboxResult

__all__ = ["Limits", "SandboxResult", "run_many", "run_python"]
