"""`geocorpus publish` against a loopback fake of the Hub (tests/hub_server.py): what huggingface_hub sends,
retries, resume after a failed commit, multipart LFS, credentials errors, and the token never leaking."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from hub_server import FakeHub
from huggingface_hub import constants
from publish_corpus import write_generation_output

from geocorpus.cli import main

TOKEN = "hf_fakeTokenThatMustNeverLeak0123456789"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """HF_TOKEN set, no token file, classic LFS (the fake has no Xet: what HF_HUB_DISABLE_XET=1 selects;
    huggingface_hub reads that variable at import, so the test sets the constant it fills)."""
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token-file"))
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    return write_generation_output(tmp_path / "gen")


def publish(source: Path, hub: FakeHub, *extra: str):
    return CliRunner().invoke(main, ["publish", str(source), "--repo-id", "geo/sft", "--endpoint", hub.url,
                                     "--no-figures", *extra])


def dry_run(source: Path, out: Path) -> dict[str, bytes]:
    result = CliRunner().invoke(main, ["publish", str(source), "--repo-id", "geo/sft", "--dry-run", str(out),
                                       "--no-figures"])
    assert result.exit_code == 0, result.output
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_upload_sends_exactly_the_dry_run(env: Path, tmp_path: Path) -> None:
    expected = dry_run(env, tmp_path / "dry")
    with FakeHub(TOKEN) as hub:
        result = publish(env, hub, "--private", "--revision", "v1")
        assert result.exit_code == 0, result.output
        assert hub.files("geo/sft", "v1") == expected
        create = hub.calls("POST", r"^/api/repos/create$")[0]
        assert b'"type":"dataset"' in create.body.replace(b" ", b"") and hub.repos["geo/sft"].private
        assert hub.calls("POST", r"/branch/v1$") and hub.calls("POST", r"^/api/validate-yaml$")
        commit = hub.repos["geo/sft"].commits[0]
        assert commit["revision"] == "v1" and commit["summary"].startswith("Publish gen with geocorpus: sft (3 rows")
        parquet = sorted(p for p in expected if p.endswith(".parquet"))
        assert sorted(p for p in commit["paths"] if p.endswith(".parquet")) == parquet
        assert len(hub.calls("PUT", r"^/_lfs/[0-9a-f]{64}$")) == len(parquet)  # parquet goes by LFS
    assert "published sft (3 rows, 1 files), eval (2 rows, 1 files)" in result.output


def test_a_500_is_retried_by_huggingface_hub(env: Path) -> None:
    with FakeHub(TOKEN) as hub:
        hub.fail("POST", r"/preupload/main$", 500)
        result = publish(env, hub)
        assert result.exit_code == 0, result.output
        assert len(hub.calls("POST", r"/preupload/main$")) == 2


def test_failed_commit_exits_1_and_rerun_sends_no_stored_file_again(env: Path) -> None:
    with FakeHub(TOKEN) as hub:
        hub.fail("POST", r"/commit/main$", 503, times=10, message="service unavailable")
        first = publish(env, hub)
        assert first.exit_code == 1 and "Run the same command again" in first.output
        uploads = len(hub.calls("PUT", r"^/_lfs/"))
        assert uploads == 2 and not hub.repos["geo/sft"].commits
        hub.faults.clear()
        second = publish(env, hub)
        assert second.exit_code == 0, second.output
        assert len(hub.calls("PUT", r"^/_lfs/")) == uploads  # the LFS batch said: already stored
        assert len(hub.repos["geo/sft"].commits) == 1


def test_large_files_go_multipart(env: Path, tmp_path: Path) -> None:
    expected = dry_run(env, tmp_path / "dry")
    with FakeHub(TOKEN, multipart_chunk=2048) as hub:
        result = publish(env, hub)
        assert result.exit_code == 0, result.output
        assert hub.calls("PUT", r"^/_lfs/[0-9a-f]{64}/part/2$")
        assert hub.files("geo/sft") == expected


def test_wrong_token_is_a_clear_401_without_the_token(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeHub("another-token") as hub:
        result = publish(env, hub)
    assert result.exit_code == 2
    assert "the Hub refused the token for geo/sft (401 Unauthorized" in result.output
    assert "hf auth login" in result.output and TOKEN not in result.output


def test_no_token_anywhere_exits_2(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN")
    with FakeHub(TOKEN) as hub:
        result = publish(env, hub)
        assert not hub.requests
    assert result.exit_code == 2 and "no Hugging Face token: set HF_TOKEN or run `hf auth login`" in result.output


def test_without_xet_disabled_the_error_says_what_to_set(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hf_xet", reason="hf_xet is what tries Xet storage")
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)
    with FakeHub(TOKEN) as hub:
        result = publish(env, hub)
    assert result.exit_code == 1 and "set HF_HUB_DISABLE_XET=1" in result.output


def test_token_never_reaches_logs_or_output(env: Path, caplog: pytest.LogCaptureFixture,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    from huggingface_hub.utils import logging as hf_logging

    hf_logging.set_verbosity_debug()
    try:
        with caplog.at_level(logging.DEBUG), FakeHub(TOKEN) as hub:
            hub.fail("POST", r"/preupload/main$", 500)
            hub.fail("POST", r"/commit/main$", 400, message="bad request")
            failed = publish(env, hub)
            done = publish(env, hub)
    finally:
        hf_logging.set_verbosity_warning()
    captured = capfd.readouterr()
    assert failed.exit_code == 1 and done.exit_code == 0
    assert "HTTP Error 500" in caplog.text  # the debug logs were captured
    for text in (caplog.text, failed.output, done.output, captured.out, captured.err):
        assert TOKEN not in text
    assert TOKEN.encode() not in hub.repos["geo/sft"].branches["main"]["README.md"]
