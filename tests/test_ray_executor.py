"""The Ray executor on a local Ray cluster started by this module: same output as the local executor,
resume after a driver crash, one model load per worker process, failures reported like the local pool."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, assert_same_build, read_shards, write_html_corpus, write_recipe

from geocorpus.build import run_build
from geocorpus.cli import main
from geocorpus.executors.base import TaskFailed
from geocorpus.pipeline.stage import StageContext
from geocorpus.pipeline.tasks import StepConfig, Task, TaskResult, build_step

ray = pytest.importorskip("ray", reason="the Ray executor needs the [ray] extra")

SAMPLES = REPO / "recipes" / "samples" / "geocode_pt"
# The flagship recipe's steps over its offline samples, plus a synthetic web corpus with exact and near copies.
RECIPE = f"""\
name: ray-equivalence
output: out
sources:
  - local: {{name: samples/web, path: {SAMPLES}/web, glob: "**/*.htm*", manifest: {SAMPLES}/MANIFEST.jsonl}}
  - local: {{name: samples/papers, path: {SAMPLES}/papers, glob: "**/*.pdf", manifest: {SAMPLES}/MANIFEST.jsonl}}
  - local: {{name: samples/code, path: {SAMPLES}/code, manifest: {SAMPLES}/MANIFEST.jsonl, files_per_shard: 6}}
  - local: {{name: pages, path: pages, files_per_shard: 6}}
steps:
  - extract: {{}}
  - langid: {{}}
  - gopher_quality: {{}}
  - gopher_repetition: {{}}
  - code_quality: {{}}
  - geo_score: {{min_score: 0.0}}
  - dedup_exact: {{buckets: 4}}
  - dedup_scholarly: {{buckets: 4}}
  - dedup_minhash: {{threshold: 0.7, buckets: 4}}
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One local Ray for the module (startup costs seconds); its socket folder kept short, under /tmp."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    temp = tempfile.mkdtemp(prefix="rt-", dir="/tmp")
    context = ray.init(num_cpus=2, include_dashboard=False, _temp_dir=temp, logging_level="warning")
    try:
        yield context.address_info["gcs_address"]
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recipe's folder, with a reference build by the local executor in `local/`."""
    root = tmp_path_factory.mktemp("ray")
    write_html_corpus(root / "pages", 24, seed=5, duplicates=3)
    for number, original in enumerate(sorted((root / "pages").glob("*.html"))[:3]):
        html = original.read_text(encoding="utf-8")  # near copies: a few words changed
        (root / "pages" / f"near-{number}.html").write_text(html.replace(" the ", " a ", 3), encoding="utf-8")
    write_recipe(root / "recipe.yaml", RECIPE)
    run_build(root / "recipe.yaml", output=root / "local", workers=2)
    return root




def test_ray_build_equals_local_build(cluster: str, corpus: Path) -> None:
    result = run_build(corpus / "recipe.yaml", output=corpus / "ray", executor="ray")
    assert_same_build(corpus / "local", corpus / "ray")
    reasons = set(read_shards(corpus / "ray" / "rejected")["reason"].to_pylist())
    # The comparison covers every kind of decision: filters and all three dedups rejected something.
    assert {"dedup_exact:duplicate", "dedup_minhash:near_duplicate", "gopher_quality:too_few_words"} <= reasons
    clusters = [json.loads(s).get("dup_cluster") for s in read_shards(corpus / "ray" / "data")["scores"].to_pylist()]
    assert len(set(clusters)) == result.documents


def markers(output: Path) -> dict[str, tuple[int, str]]:
    """Every finished task's marker: its modification time and content."""
    found = {}
    for marker in (output / "_work").glob("*/*/_done/*.json"):
        found[str(marker.relative_to(output))] = (marker.stat().st_mtime_ns, marker.read_text())
    return found


def test_driver_killed_mid_build_resumes_to_the_same_output(cluster: str, corpus: Path) -> None:
    """SIGKILL the driver (the cluster survives), rerun: finished tasks are skipped, the output is identical."""
    output = corpus / "crashed"
    command = [sys.executable, "-m", "geocorpus.cli", "build", str(corpus / "recipe.yaml"), "--output", str(output),
               "--executor", "ray", "--address", cluster]
    driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    done = output / "_work" / "s1-stream" / "stream" / "_done"
    deadline = time.monotonic() + 120
    try:
        while driver.poll() is None and time.monotonic() < deadline and len(list(done.glob("*.json"))) < 3:
            time.sleep(0.01)
        assert driver.poll() is None, "the build finished before it could be killed"
    finally:
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
    before = markers(output)
    shards = len(list((corpus / "local" / "_work" / "s1-stream" / "stream" / "_done").glob("*.json")))
    assert 3 <= len(before) < shards
    assert not (output / "data").exists()
    run_build(corpus / "recipe.yaml", output=output, executor="ray")
    after = markers(output)
    assert {name: after[name] for name in before} == before, "finished tasks were run again"
    assert_same_build(corpus / "local", output)


@dataclass(frozen=True)
class ProbeTask(Task):
    """Builds the langid step through the per-process cache and scores a text: which process, which instance."""

    step: StepConfig

    def run(self) -> TaskResult:
        from geocorpus.classify.fasttext import LID_MODEL, load
        from geocorpus.document import Document

        step = build_step(self.step)
        doc = step.process(Document(str(self.index), "Aquifers store groundwater in porous rock.", "web", "probe"))
        return {"probe": {"pid": os.getpid(), "step": id(step), "model": id(load(str(LID_MODEL))), "lang": doc.lang}}


@dataclass(frozen=True)
class FailingTask(Task):
    def run(self) -> TaskResult:
        if self.index == 3:
            raise ValueError("no such column: text")
        return {}


def context(tmp_path: Path, label: str) -> StageContext:
    return StageContext(label, (), str(tmp_path / label), str(tmp_path / "out"), str(tmp_path / "rejected"), 1)


@pytest.fixture
def by_value() -> Iterator[None]:
    """Workers cannot import this test module: send its task classes by value, as Ray's docs describe."""
    module = sys.modules[__name__]
    ray.cloudpickle.register_pickle_by_value(module)
    yield
    ray.cloudpickle.unregister_pickle_by_value(module)


def test_model_loads_once_per_worker_process(cluster: str, tmp_path: Path, by_value: None) -> None:
    from geocorpus.executors.ray import RayExecutor

    config = StepConfig("langid", "{}", 1)
    tasks = [ProbeTask(context(tmp_path, "probe"), "score", i, config) for i in range(16)]
    executor = RayExecutor()
    probes = [result["probe"] for _, result in executor.run(tasks)]
    executor.close()
    assert ray.is_initialized(), "a cluster the executor did not start is left running"
    assert len(probes) == 16 and all(task.marker.is_file() for task in tasks)
    per_process: dict[int, list[dict]] = {}
    for probe in probes:
        per_process.setdefault(probe["pid"], []).append(probe)
    assert max(len(runs) for runs in per_process.values()) > 1, "Ray should reuse its worker processes"
    assert {probe["lang"] for probe in probes} == {"en"}
    for runs in per_process.values():
        assert len({run["step"] for run in runs}) == 1, "the step is built once per process"
        assert len({run["model"] for run in runs}) == 1, "the fastText model is loaded once per process"


def test_task_failure_is_reported_like_the_local_executor(cluster: str, tmp_path: Path, by_value: None) -> None:
    from geocorpus.executors.local import LocalExecutor
    from geocorpus.executors.ray import RayExecutor

    messages = []
    for executor in (RayExecutor(workers=2), LocalExecutor(workers=1)):
        tasks = [FailingTask(context(tmp_path, type(executor).__name__), "boom", i) for i in range(6)]
        with pytest.raises(TaskFailed) as failure:
            list(executor.run(tasks))
        executor.close()
        messages.append(str(failure.value))
    assert messages[0] == messages[1].replace("LocalExecutor", "RayExecutor")
    assert messages[0] == "task RayExecutor/boom/00003 failed: ValueError: no such column: text"


def test_without_ray_installed_the_build_asks_for_the_extra(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError, as when it is not installed
    output = tmp_path / "never"
    result = CliRunner().invoke(main, ["build", str(corpus / "recipe.yaml"), "-o", str(output), "--executor", "ray"])
    assert result.exit_code == 2
    assert "pip install 'geocorpus[ray]'" in result.output
    assert not output.exists(), "nothing is written when the executor cannot start"


def test_address_needs_the_ray_executor(corpus: Path, tmp_path: Path) -> None:
    output = tmp_path / "never"
    result = CliRunner().invoke(main, ["build", str(corpus / "recipe.yaml"), "-o", str(output),
                                       "--executor", "local", "--address", "auto"])
    assert result.exit_code == 2
    assert "--address names a Ray cluster: use it with --executor ray" in result.output
    assert not output.exists()


def test_an_address_nobody_listens_on_fails_fast(corpus: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    output = tmp_path / "never"
    started = time.monotonic()
    # A fresh process, as users run it (this one is already connected to the module's Ray).
    result = subprocess.run([sys.executable, "-m", "geocorpus.cli", "build", str(corpus / "recipe.yaml"), "-o",
                             str(output), "--address", f"127.0.0.1:{port}"], capture_output=True, text=True)
    assert result.returncode == 2
    assert f"cannot reach Ray at 127.0.0.1:{port}" in result.stderr
    assert time.monotonic() - started < 30 and not output.exists()
