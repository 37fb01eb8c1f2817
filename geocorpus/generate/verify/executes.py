"""`executes`: generated Python is parsed and run, with its tests, in the sandbox (`geocorpus.sandbox`).

The code is what the output's fenced Python blocks hold (all of them, in order), or the whole output when
it has no fences. Code in another language (meta.language R/JavaScript, or only non-Python fences) is not
run: it passes with `executed: false` and the reason, so nobody mistakes it for tested code. Without tests
the module still runs (definitions, imports, top-level statements); `require_tests` turns that into a
failure for tasks where tests are the point."""

from __future__ import annotations

import ast
import re

from pydantic import Field

from geocorpus.generate.verify.base import Check, Verifier, VerifierParams, register_verifier
from geocorpus.sandbox import Limits, SandboxResult, run_many

_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
_PYTHON = {"python", "py", "python3", "py3", "ipython", "pycon"}
_STDERR_TAIL = 800


class ExecutesParams(VerifierParams):
    require_tests: bool = Field(default=False, description="fail pairs whose meta has no tests")
    timeout_s: float = Field(default=10.0, gt=0, le=600)
    cpu_s: int = Field(default=10, ge=1, le=600)
    memory_mb: int = Field(default=1024, ge=64)
    workers: int = Field(default=2, ge=1, le=64, description="sandboxes running at once")


def extract_python(output: str) -> tuple[str | None, str | None]:
    """(code, other language): the Python to run, or the language of the only code there is."""
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(output)]
    if not blocks:
        return output, None
    python = [body for lang, body in blocks if lang in _PYTHON or not lang]
    if python:
        return "\n\n".join(body.rstrip() for body in python) + "\n", None
    return None, blocks[0][0]


@register_verifier("executes")
class Executes(Verifier):
    Params = ExecutesParams
    params: ExecutesParams

    def verify(self, pairs: list[dict]) -> list[Check]:
        checks: list[Check | None] = [None] * len(pairs)
        jobs: list[tuple[int, str, str]] = []
        for number, pair in enumerate(pairs):
            verdict = self._prepare(pair)
            if isinstance(verdict, Check):
                checks[number] = verdict
            else:
                jobs.append((number, *verdict))
        p = self.params
        limits = Limits(timeout_s=p.timeout_s, cpu_s=p.cpu_s, memory_mb=p.memory_mb)
        results = run_many([(code, tests) for _, code, tests in jobs], limits=limits, workers=p.workers)
        for (number, _, tests), result in zip(jobs, results, strict=True):
            checks[number] = self._judge(result, bool(tests.strip()))
        return [check for check in checks if check is not None]

    def _prepare(self, pair: dict) -> Check | tuple[str, str]:
        """A verdict without running anything, or the (code, tests) to run."""
        meta = pair.get("meta") or {}
        language = str(meta.get("language") or "python").lower()
        if language not in _PYTHON:
            return Check(True, None, {"executed": False, "why": f"{language} code is not executed"})
        code, other = extract_python(str(pair.get("output") or ""))
        if code is None:
            return Check(True, None, {"executed": False, "why": f"only {other} code blocks, no Python"})
        tests = str(meta.get("tests") or "")
        for text, what in ((code, "code"), (tests, "tests")):
            try:
                ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
                reason = "syntax_error" if what == "code" else "tests_syntax_error"
                return Check(False, reason, {"executed": False, "why": f"{type(error).__name__}: {error}"[:300]})
        if not code.strip():
            return Check(False, "no_code", {"executed": False, "why": "the output holds no code"})
        if self.params.require_tests and not tests.strip():
            return Check(False, "no_tests", {"executed": False, "why": "meta.tests is empty and tests are required"})
        return code, tests

    @staticmethod
    def _judge(result: SandboxResult, had_tests: bool) -> Check:
        details = {"executed": True, "status": result.status, "seconds": result.seconds, "tests": had_tests,
                   "returncode": result.returncode, "network_isolation": result.network_isolation,
                   "stderr_tail": result.stderr[-_STDERR_TAIL:]}
        return Check(True, None, details) if result.passed else Check(False, result.status, details)
