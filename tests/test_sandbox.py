"""The sandbox against real hostile code: every test runs an actual child process and checks the outside world."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from geocorpus.sandbox import Limits, SandboxResult, isolation, run_many, run_python

FAST = Limits(timeout_s=4, cpu_s=3, memory_mb=512)


class _ListeningServer:
    """A TCP server on loopback that records every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def server():
    listening = _ListeningServer()
    yield listening
    listening.close()


def _assert_sound(result: SandboxResult) -> None:
    assert result.seconds >= 0 and isinstance(result.stdout, str) and isinstance(result.stderr, str)


def test_passing_and_failing_asserts():
    code = "def area(w, h):\n    return w * h\n"
    good = run_python(code, tests="assert area(2, 3) == 6\n", limits=FAST)
    bad = run_python(code, tests="assert area(2, 3) == 5, 'wrong area'\n", limits=FAST)
    assert good.status == "passed" and good.passed and good.returncode == 0
    assert bad.status == "failed" and not bad.passed and bad.returncode == 1
    assert "AssertionError: wrong area" in bad.stderr and 'File "tests.py", line 1' in bad.stderr
    _assert_sound(bad)


def test_syntax_error_is_an_error_not_a_failure():
    result = run_python("def broken(:\n    pass\n", tests="assert True", limits=FAST)
    assert result.status == "error" and "SyntaxError" in result.stderr


def test_runaway_loop_times_out_and_the_process_is_really_gone():
    # /proc/self names the host pid even inside the PID namespace
    code = "import os, sys\nprint(os.readlink('/proc/self'), flush=True)\nwhile True:\n    pass\n"
    result = run_python(code, limits=Limits(timeout_s=1.5, cpu_s=30))
    assert result.status == "timeout"
    pid = int(result.stdout.split()[0])
    time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def test_cpu_limit_ends_a_busy_loop_before_the_wall_clock():
    result = run_python("while True:\n    pass\n", limits=Limits(timeout_s=30, cpu_s=1))
    assert result.status == "timeout" and result.seconds < 20


def test_memory_bomb_gets_memory_status():
    result = run_python("blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))\n",
                        limits=Limits(timeout_s=10, memory_mb=256))
    assert result.status == "memory" and "MemoryError" in result.stderr


def test_fork_bomb_is_refused():
    code = "import os\nwhile True:\n    os.fork()\n"
    result = run_python(code, limits=FAST)
    assert result.status == "failed" and "os.fork is not allowed" in result.stderr
    via_library = run_python("import multiprocessing as mp\np = mp.Process(target=print)\np.start()\n", limits=FAST)
    assert via_library.status == "failed" and "PermissionError" in via_library.stderr


def test_spawning_a_shell_is_refused(tmp_path):
    marker = tmp_path / f"touched-{uuid.uuid4().hex}"
    for code in (f"import os\nos.system('touch {marker}')\n",
                 f"import subprocess\nsubprocess.run(['touch', '{marker}'])\n",
                 f"import _posixsubprocess\n_posixsubprocess.fork_exec(['touch', '{marker}'])\n"):
        result = run_python(code, limits=FAST)
        assert result.status == "failed" and "PermissionError" in result.stderr, code
    assert not marker.exists()


def test_network_is_refused_and_the_server_sees_nothing(server):
    for code in (f"import socket\nsocket.create_connection(('127.0.0.1', {server.port}), timeout=2)\n",
                 f"import socket\ns = socket.socket()\ns.connect(('127.0.0.1', {server.port}))\n",
                 f"import urllib.request\nurllib.request.urlopen('http://127.0.0.1:{server.port}/', timeout=2)\n"):
        result = run_python(code, limits=FAST)
        assert result.status == "failed", code
    time.sleep(0.3)
    assert server.accepted == 0


def test_kernel_namespace_blocks_the_network_even_without_the_audit_hook(server):
    """The second wall: the launcher alone (no audit hook) must already make loopback unreachable."""
    prefix, level = isolation.launcher()
    if level != "netns":
        pytest.skip("network namespaces are unavailable on this machine (unshare failed); only the audit hook holds")
    code = f"import socket\nsocket.create_connection(('127.0.0.1', {server.port}), timeout=2)\n"
    done = subprocess.run([*prefix, sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=30)
    time.sleep(0.3)
    assert done.returncode != 0 and "unreachable" in done.stderr.lower()
    assert server.accepted == 0
    assert run_python("pass", limits=FAST).network_isolation == "netns"


def test_writes_outside_the_temp_dir_are_refused():
    outside = Path(f"/tmp/outside-{uuid.uuid4().hex}")
    attempts = (f"open('{outside}', 'w').write('x')\n",
                f"import pathlib\npathlib.Path('{outside}').write_text('x')\n",
                f"import os\nos.close(os.open('{outside}', os.O_CREAT | os.O_WRONLY))\n",
                f"import os\nos.symlink('{outside}', 'link')\nopen('link', 'w').write('x')\n",
                f"import shutil\nshutil.copy('/etc/hostname', '{outside}')\n")
    for code in attempts:
        result = run_python(code, limits=FAST)
        assert result.status == "failed" and "PermissionError" in result.stderr, code
    assert not outside.exists()


def test_writes_inside_the_temp_dir_work_and_vanish():
    code = ("import os, tempfile\nopen('out.txt', 'w').write('ok')\nos.mkdir('sub')\n"
            "with tempfile.NamedTemporaryFile(delete=False) as f:\n    f.write(b'x')\nprint(os.getcwd())\n")
    result = run_python(code, tests="assert open('out.txt').read() == 'ok'\n", limits=FAST)
    assert result.passed, result.stderr
    assert not Path(result.stdout.strip()).exists()


def test_parent_secrets_do_not_reach_the_child(monkeypatch):
    secret = uuid.uuid4().hex
    monkeypatch.setenv("GEOCORPUS_TEST_SECRET_TOKEN", secret)
    code = ("import os\nprint(os.environ.get('GEOCORPUS_TEST_SECRET_TOKEN'))\n"
            f"try:\n    print(open('/proc/{os.getpid()}/environ').read())\n"
            "except OSError as e:\n    print('refused', e)\n")
    result = run_python(code, limits=FAST)
    assert result.passed, result.stderr
    assert secret not in result.stdout and "refused" in result.stdout


def test_raising_limits_and_ctypes_are_refused():
    raise_limit = "import resource\nresource.setrlimit(resource.RLIMIT_CPU, (1000, 1000))\n"
    call_c = "import ctypes\nctypes.CDLL(None).fork()\n"
    for code in (raise_limit, call_c):
        result = run_python(code, limits=FAST)
        assert result.status == "failed" and "PermissionError" in result.stderr, code


def test_huge_output_is_capped():
    result = run_python("import sys\nsys.stdout.write('x' * 5_000_000)\nsys.stderr.write('e' * 500_000)\n",
                        limits=Limits(timeout_s=10, max_output_bytes=1000))
    assert result.passed
    assert result.stdout.startswith("x" * 1000) and len(result.stdout) < 1100 and "4999000 more bytes" in result.stdout
    assert len(result.stderr) < 1100


def test_early_exit_does_not_skip_the_tests():
    quits = run_python("import sys\nsys.exit(0)\n", tests="assert False\n", limits=FAST)
    hard_quit = run_python("import os\nos._exit(0)\n", tests="assert False\n", limits=FAST)
    main_guard = run_python("import sys\nif __name__ == '__main__':\n    sys.exit(0)\ndef f():\n    return 2\n",
                            tests="assert f() == 2\n", limits=FAST)
    assert quits.status == "failed" and hard_quit.status == "failed"
    assert main_guard.passed


def test_installed_libraries_are_importable():
    result = run_python("import numpy as np\nvalues = np.linspace(0, 1, 5)\n", tests="assert values[-1] == 1.0\n",
                        limits=FAST)
    assert result.passed, result.stderr


def test_run_many_keeps_input_order_and_runs_in_parallel():
    jobs = [(f"import time\ntime.sleep(0.6)\nvalue = {i}\n", f"assert value == {i}\nprint(value)\n") for i in range(4)]
    jobs.append(("x = 1\n", "assert x == 2\n"))
    started = time.monotonic()
    results = run_many(jobs, limits=FAST, workers=4)
    elapsed = time.monotonic() - started
    assert [r.stdout.strip() for r in results[:4]] == ["0", "1", "2", "3"]
    assert [r.status for r in results] == ["passed"] * 4 + ["failed"]
    assert elapsed < sum(r.seconds for r in results)  # overlapped, not one after another
    with pytest.raises(ValueError, match="workers"):
        run_many(jobs, workers=0)
