"""Build outputs through fsspec: a `file://` URL and an S3 bucket (moto's S3 server on loopback, spoken to by
s3fs over real HTTP) give the same dataset as a plain folder; resumes find their markers there; a failed
write never leaves an object behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner
from conftest import assert_same_build, read_shards, write_html_corpus, write_recipe
from upath import UPath

from geocorpus.build import run_build
from geocorpus.cli import main
from geocorpus.io.atomic import atomic_write

s3fs = pytest.importorskip("s3fs", reason="the S3 tests need s3fs (dev extra)")
moto_server = pytest.importorskip("moto.server", reason="the S3 tests need moto's server (dev extra)")

RECIPE = """\
name: storage
output: out
sources:
  - local: {name: pages, path: pages, files_per_shard: 5}
steps:
  - extract: {}
  - gopher_quality: {}
  - dedup_exact: {buckets: 2}
  - dedup_minhash: {threshold: 0.7, buckets: 2, verify: true}
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recipe's folder, with a reference build into a plain folder in `plain/`."""
    root = tmp_path_factory.mktemp("storage")
    write_html_corpus(root / "pages", 18, seed=3, duplicates=3)
    for number, original in enumerate(sorted((root / "pages").glob("*.html"))[:2]):
        html = original.read_text(encoding="utf-8")  # near copies for the MinHash step
        (root / "pages" / f"near-{number}.html").write_text(html.replace(" the ", " a ", 3), encoding="utf-8")
    write_recipe(root / "recipe.yaml", RECIPE)
    run_build(root / "recipe.yaml", output=root / "plain", workers=1)
    return root


@pytest.fixture(scope="module")
def bucket() -> Iterator[str]:
    """An S3 endpoint on loopback, configured the way users point boto at MinIO or Ceph (environment)."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = dict(os.environ)
    os.environ.update(AWS_ENDPOINT_URL=f"http://{host}:{port}", AWS_ACCESS_KEY_ID="test",
                      AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    s3fs.S3FileSystem.clear_instance_cache()
    s3fs.S3FileSystem().mkdir("corpora")
    try:
        yield "s3://corpora"
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        os.environ.clear()
        os.environ.update(saved)
        server.stop()




def markers(output: UPath) -> dict[str, str]:
    return {p.path: p.read_text() for p in (output / "_work").rglob("*.json") if p.parent.name == "_done"}


def test_file_url_build_equals_plain_folder_build(corpus: Path) -> None:
    result = run_build(corpus / "recipe.yaml", output=f"file://{corpus}/as-url", workers=2)
    assert str(result.output) == f"file://{corpus}/as-url"
    assert_same_build(corpus / "plain", corpus / "as-url")
    reasons = set(read_shards(corpus / "as-url" / "rejected")["reason"].to_pylist())
    assert {"dedup_exact:duplicate", "dedup_minhash:near_duplicate"} <= reasons


def test_s3_build_equals_plain_folder_build_and_resumes_from_its_markers(corpus: Path, bucket: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    output = UPath(f"{bucket}/first")
    result = run_build(corpus / "recipe.yaml", output=str(output), workers=2)  # workers are other processes
    assert result.documents == read_shards(corpus / "plain" / "data").num_rows > 0
    assert_same_build(corpus / "plain", output)
    assert (output / "recipe.yaml").read_text() == (corpus / "recipe.yaml").read_text()
    done = markers(output)
    assert len(done) > 10

    run_build(corpus / "recipe.yaml", output=str(output), workers=2)  # nothing left to do: every marker found
    assert markers(output) == done
    assert_same_build(corpus / "plain", output)
    assert not [p for p in output.rglob("*") if ".tmp-" in p.name]
    summary = CliRunner().invoke(main, ["inspect", str(output), "--samples", "1"])
    assert summary.exit_code == 0 and f"{result.documents} documents" in summary.output
    # What the README tells users to run; `datasets` refuses every remote URL offline, this one is loopback.
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    rows = datasets.load_dataset("parquet", data_files=f"{output}/data/*.parquet", split="train")
    assert rows["id"] == read_shards(corpus / "plain" / "data")["id"].to_pylist()


def test_s3_build_killed_midway_resumes_to_the_same_output(corpus: Path, bucket: str) -> None:
    output = f"{bucket}/killed"
    command = [sys.executable, "-m", "geocorpus.cli", "build", str(corpus / "recipe.yaml"), "-o", output, "-w", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fs = s3fs.S3FileSystem()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        fs.invalidate_cache()
        if len(fs.glob(f"{output}/_work/*/*/_done/*.json")) >= 3:  # some tasks finished, most not
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    fs.invalidate_cache()
    assert not fs.exists(f"{output}/stats.json"), "the build ended before it could be killed"
    run_build(corpus / "recipe.yaml", output=output, workers=2)
    assert_same_build(corpus / "plain", UPath(output))


def test_a_failed_write_leaves_no_object(bucket: str) -> None:
    target = UPath(f"{bucket}/atomic/shard.bin")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write(b"half a shard")
        raise RuntimeError("killed mid-write")
    assert not target.exists()
    open_uploads = [u["Key"] for u in s3fs.S3FileSystem().list_multipart_uploads("corpora")]
    assert not [key for key in open_uploads if key.startswith("atomic/")]  # aborted, not left open
    with atomic_write(target) as handle:
        handle.write(b"a whole shard")
    assert target.read_bytes() == b"a whole shard"


def test_unknown_storage_is_one_clear_error(corpus: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(corpus / "recipe.yaml"), "-o", "nosuchfs://bucket/out"])
    assert result.exit_code != 0
    assert "nosuchfs" in result.output and "install" in result.output
    assert "Traceback" not in result.output


def test_ray_executor_builds_into_s3_like_the_local_one(corpus: Path, bucket: str, tmp_path: Path) -> None:
    """Ray's workers write shards, markers and dedup files to the bucket themselves (credentials and
    endpoint from the environment, as on a cluster whose nodes are configured for S3)."""
    ray = pytest.importorskip("ray", reason="the Ray executor needs the [ray] extra")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    temp = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))  # Ray's socket paths must stay short
    ray.init(num_cpus=2, include_dashboard=False, _temp_dir=str(temp), logging_level="warning")
    try:
        run_build(corpus / "recipe.yaml", output=f"{bucket}/ray", executor="ray")
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
    assert_same_build(corpus / "plain", UPath(f"{bucket}/ray"))
