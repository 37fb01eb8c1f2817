"""How the sandboxed interpreter is started: the strongest kernel isolation this machine allows.

Tried once per process, strongest first:
1. `unshare --net --pid --fork --kill-child` (root or CAP_SYS_ADMIN): a new network namespace has no
   interface but a loopback that is down, so no connection can be made whatever the code does (ctypes,
   raw syscalls); a new PID namespace means killing its first process kills every process the code
   started, so a timeout leaves nothing behind.
2. the same inside an unprivileged user namespace (`--user --map-root-user`), for non-root users.
3. none: only the in-process audit hook guards the network (`network_isolation="audit_hook"`).
Each is combined with `setpriv` dropping every capability and setting no-new-privs, so a root child can
neither raise its rlimits again nor join the host's network namespace; where setpriv is missing, the
audit hook refuses `resource.setrlimit` instead.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

_NAMESPACES = ["--net", "--pid", "--fork", "--kill-child"]
_DROP_CAPABILITIES = ["--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"]


@functools.cache
def launcher() -> tuple[tuple[str, ...], str]:
    """(command prefix to put before the interpreter, network isolation level), probed once."""
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    namespaces: list[tuple[list[str], str]] = []
    if unshare:
        namespaces += [([unshare, *_NAMESPACES, "--"], "netns"),
                       ([unshare, "--user", "--map-root-user", *_NAMESPACES, "--"], "netns")]
    namespaces.append(([], "audit_hook"))
    drops = [[setpriv, *_DROP_CAPABILITIES]] if setpriv else []
    drops.append([])
    for prefix, level in namespaces:
        for drop in drops:
            command = (*prefix, *drop)
            if not command or _works(command):
                return command, level
    return (), "audit_hook"


def _works(prefix: tuple[str, ...]) -> bool:
    """Whether the prefix starts an interpreter that has no route to the network when it claims to."""
    probe = "import socket\ntry:\n socket.create_connection(('127.0.0.1', 9), 1)\nexcept OSError as e:\n" \
            " raise SystemExit(0 if e.errno == 101 else 3)"  # ENETUNREACH: no interface at all
    if "--net" not in prefix:
        probe = "pass"
    try:
        done = subprocess.run([*prefix, sys.executable, "-I", "-c", probe], capture_output=True, timeout=30,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def process_limit(headroom: int) -> int | None:
    """RLIMIT_NPROC for the child: the user's current task count plus `headroom`.

    The kernel counts every task of the real user against it, so a bare number would either starve a
    busy desktop user or be meaningless. For root it is never enforced (INIT_USER is exempt in
    copy_process), so None: there, the audit hook (fork/spawn refused) and the PID namespace hold."""
    if os.geteuid() == 0:
        return None
    uid, tasks = str(os.getuid()), 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("Uid", "").split()[:1] == [uid]:
            tasks += int(fields.get("Threads", "1"))
    return tasks + headroom


@functools.cache
def private_folders() -> tuple[list[str], list[str]]:
    """(folders the code may not read, folders inside those it may): the parent's home is private, except
    the Python installation and import paths, which the code needs for numpy and friends."""
    home = str(Path.home().resolve()) + "/"
    allowed = {str(Path(p).resolve()) + "/" for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path)
               if p and Path(p).exists()}
    return [home], sorted(p for p in allowed if p.startswith(home))
