"""The first code that runs in a sandboxed interpreter (stdlib only; started as a script, never imported).

It sets the resource limits, installs an audit hook, and only then compiles and runs the untrusted module.
The kernel does the heavy lifting where it can (network namespace, no capabilities, rlimits; see
`isolation.py`); the audit hook is the second wall that also works where namespaces are unavailable:
it refuses network calls, writes outside the run's own directory, spawning processes, raising limits,
signalling other processes and calling C through ctypes. Audit hooks are not a sandbox on their own
(PEP 578 says so), which is why they are not the only wall.

Protocol with the parent (`runner.py`): argv[1] is a JSON config; the cwd holds `solution.py` and
`tests.py`. A supervisor (this script's first process) forks the worker that runs the code and writes the
worker's fate (`returncode`, `done`, `cpu_s`) as JSON to the inherited `report_fd`. The worker signals
`done` only after the tests finished, so a module that leaves early with `os._exit(0)` does not count as
passed (code that deliberately forges it is contained, not caught). Worker exit codes: 97 syntax error,
98 MemoryError, 96 left (SystemExit 0) before its tests ran, 1 any other exception.
"""

import _posixsubprocess
import contextlib
import json
import os
import resource
import sys
import traceback

SYNTAX_ERROR, OUT_OF_MEMORY, EARLY_EXIT = 97, 98, 96

_SPAWN = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "subprocess.Popen",
          "os.kill", "os.killpg", "pty.spawn", "resource.setrlimit", "resource.prlimit", "sys._current_frames",
          "ctypes.dlsym", "ctypes.call_function", "ctypes.dlsym/handle"}
_NETWORK = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
            "socket.gethostbyname", "socket.gethostbyaddr", "socket.gethostbyname_ex"}
# events whose first argument is a path that must lie inside the run's directory (rename/link: both)
_CHANGES = {"os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.utime",
            "os.chflags", "os.lchflags", "os.mkfifo", "os.mknod", "shutil.rmtree", "os.setxattr", "os.removexattr"}
_TWO_PATHS = {"os.rename", "os.link"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_BLOCKED_IMPORTS = {"_posixsubprocess"}  # re-importing would restore the fork_exec we took away


def set_limits(config: dict) -> None:
    """Lower the soft and hard limits; with no CAP_SYS_RESOURCE the code cannot raise them again."""
    cpu = int(config["cpu_s"])
    memory = int(config["memory_mb"]) * 1024 * 1024
    limits = {resource.RLIMIT_CORE: (0, 0), resource.RLIMIT_CPU: (cpu, cpu + 1),
              resource.RLIMIT_AS: (memory, memory), resource.RLIMIT_FSIZE: (config["file_mb"] << 20,) * 2}
    if config.get("nproc"):
        limits[resource.RLIMIT_NPROC] = (int(config["nproc"]),) * 2
    for kind, value in limits.items():
        resource.setrlimit(kind, value)


def make_hook(root: str, private: list[str], allowed: list[str]):
    """An audit hook refusing everything the generated code has no business doing (see module docstring).

    `private` folders (the parent's home: tokens, keys, caches) may not be read, except the `allowed` ones
    inside them (the Python installation, site-packages); every entry ends with "/"."""
    realpath, fspath, join = os.path.realpath, os.fsdecode, os.path.join
    inside = root.rstrip("/") + "/"

    def resolve(path) -> str | None:
        if isinstance(path, int):
            return None  # an already-open descriptor
        return realpath(join(root, fspath(path)))

    def writable(path) -> bool:
        resolved = resolve(path)
        return resolved is not None and (resolved == root or resolved.startswith(inside) or resolved == "/dev/null")

    def readable(path) -> bool:
        resolved = resolve(path)
        if resolved is None:
            return True
        parts = resolved.split("/")
        if parts[1] == "proc" and len(parts) > 2 and parts[2].isdigit() and int(parts[2]) != os.getpid():
            return False  # another process's environ, memory, descriptors
        folder = resolved + "/"
        return not any(folder.startswith(p) for p in private) or any(folder.startswith(p) for p in allowed)

    def hook(event: str, args: tuple) -> None:
        if event in _SPAWN or event.startswith("os.exec") or event.startswith("os.spawn"):
            raise PermissionError(f"sandbox: {event} is not allowed")
        if event in _NETWORK:
            raise PermissionError(f"sandbox: no network ({event})")
        if event == "open":
            path, mode, flags = args
            wants_write = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(flags & _WRITE_FLAGS)
            if (wants_write and not writable(path)) or not readable(path):
                raise PermissionError(f"sandbox: may not open {path!r}" + (" for writing" if wants_write else ""))
        elif event in _CHANGES or event in _TWO_PATHS or event == "os.symlink":
            paths = args[:2] if event in _TWO_PATHS else args[1:2] if event == "os.symlink" else args[:1]
            if not all(writable(p) for p in paths) or any(isinstance(p, int) for p in paths):
                raise PermissionError(f"sandbox: {event} outside the sandbox directory")
        elif event == "sqlite3.connect" and args and str(args[0]) != ":memory:" and not writable(args[0]):
            raise PermissionError("sandbox: sqlite database outside the sandbox directory")
        elif event == "ctypes.dlopen" and args and args[0] is not None:
            raise PermissionError("sandbox: loading C libraries is not allowed")
        elif event == "import" and args and args[0] in _BLOCKED_IMPORTS:
            raise PermissionError(f"sandbox: import of {args[0]} is not allowed")

    return hook


def _refuse(*_args, **_kwargs):
    raise PermissionError("sandbox: starting processes is not allowed")


def _print_user_traceback(error: BaseException) -> None:
    """The traceback from the code's own frames on (this bootstrap's frame is noise to whoever reads it)."""
    traceback.print_exception(type(error), error, error.__traceback__.tb_next if error.__traceback__ else None)


def run_untrusted(config: dict, done_fd: int) -> int:
    """In the worker process: limits, then the hook, then the code and its tests. Returns the exit code."""
    set_limits(config)
    sys.dont_write_bytecode = True
    root = os.path.realpath(os.getcwd())
    with open("solution.py", encoding="utf-8") as f:
        code_text = f.read()
    with open("tests.py", encoding="utf-8") as f:
        tests_text = f.read()
    try:
        code = compile(code_text, "solution.py", "exec", dont_inherit=True)
        tests = compile(tests_text, "tests.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        traceback.print_exception(error, limit=0)
        return SYNTAX_ERROR
    _posixsubprocess.fork_exec = _refuse  # what subprocess and multiprocessing call under the audit events
    sys.addaudithook(make_hook(root, config["private"], config["allowed"]))
    namespace = {"__name__": "solution", "__builtins__": __builtins__}  # `if __name__ == "__main__"` stays off
    sys.argv = ["solution.py"]
    phase = "code"
    try:
        exec(code, namespace)
        phase = "tests"
        exec(tests, namespace)
    except SystemExit as stop:
        if stop.code not in (0, None, False):
            if not isinstance(stop.code, int):
                print(stop.code, file=sys.stderr)
            return stop.code if isinstance(stop.code, int) else 1
        if phase == "code" and tests_text.strip():
            print("sandbox: the code exited (status 0) before its tests ran", file=sys.stderr)
            return EARLY_EXIT
    except MemoryError as error:
        _print_user_traceback(error)
        return OUT_OF_MEMORY
    except BaseException as error:
        _print_user_traceback(error)
        return 1
    os.write(done_fd, b"done")
    return 0


def main() -> int:
    """Supervise one worker: fork it, wait for it, report its exact fate on `report_fd`.

    Inside a PID namespace this process is PID 1 (signals the code sends it are ignored, and `unshare`
    reports a killed child only as status 1), so the code runs one level down and its real wait status,
    CPU time included, travels back here as JSON. The worker closes the report pipe before running
    anything, so the code cannot write the report itself."""
    config = json.loads(sys.argv[1])
    report = int(config["report_fd"])
    done_read, done_write = os.pipe()
    worker = os.fork()
    if worker == 0:
        os.close(report)
        os.close(done_read)
        try:
            code = run_untrusted(config, done_write)
        finally:
            for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
                with contextlib.suppress(Exception):
                    stream.flush()
        os._exit(code)
    os.close(done_write)
    _, status, usage = os.wait4(worker, 0)
    done = os.read(done_read, 16) == b"done"
    fate = {"returncode": os.waitstatus_to_exitcode(status), "done": done,
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 3)}
    os.write(report, json.dumps(fate).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
