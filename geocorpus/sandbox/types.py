"""What a sandbox run is allowed (Limits) and what came of it (SandboxResult).

Kept apart from the runner so callers (the `executes` verifier, the evaluator's pass@k) can type against
them without importing anything that spawns processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["passed", "failed", "timeout", "memory", "error"]


@dataclass(frozen=True)
class Limits:
    """Per-run limits. Defaults fit a generated snippet plus its asserts, not a training job."""

    timeout_s: float = 10.0  # wall clock; the whole process group (and PID namespace) is killed after it
    cpu_s: int = 10  # RLIMIT_CPU: a busy loop ends even if the wall clock is generous
    memory_mb: int = 1024  # RLIMIT_AS: address space, so a memory bomb gets MemoryError, not the OOM killer
    max_output_bytes: int = 65536  # per stream; the rest is read and dropped so the child never blocks
    file_mb: int = 64  # RLIMIT_FSIZE: largest file the code may write inside its temp dir
    processes: int = 16  # RLIMIT_NPROC headroom (only enforced by the kernel for non-root users)

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.cpu_s < 1 or self.memory_mb < 64 or self.max_output_bytes < 0:
            raise ValueError(f"bad sandbox limits: {self}")


@dataclass(frozen=True)
class SandboxResult:
    """Outcome of one run. `error` means the code could not run at all (syntax error, sandbox failure)."""

    status: Status
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    #: how network access was cut: "netns" (kernel network namespace: no interface but a down loopback)
    #: or "audit_hook" (in-process guard only, when namespaces are unavailable)
    network_isolation: str = "netns"

    @property
    def passed(self) -> bool:
        return self.status == "passed"
