"""Upload a prepared folder to a Hub dataset repository, through `huggingface_hub` and nothing else.

`huggingface_hub` does the protocol: `create_repo`, `create_branch`, `upload_folder` (preupload → LFS or Xet
upload → one NDJSON commit), retries with backoff on 429/5xx for the upload requests, and the card check the
Hub runs on README.md. Resuming is the Hub's content addressing: our shards are byte-identical from one run to
the next, so after a failed commit a rerun finds the large files already stored and sends only the commit.

The token comes from where `huggingface_hub` looks (`HF_TOKEN`, then the file `hf auth login` writes) and is
handed to `HfApi` only; our messages never contain it, and any server message is scrubbed of it too.

Xet: with `hf_xet` installed, `huggingface_hub` uploads large files through Xet storage and has no fallback;
a Hub endpoint without Xet (a mirror, a test server) needs `HF_HUB_DISABLE_XET=1`, which selects the classic
LFS protocol. The error for a failed Xet upload says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geocorpus import __version__

NO_TOKEN = ("no Hugging Face token: set HF_TOKEN or run `hf auth login` (a token with write access), "
            "or use --dry-run OUT to write the files without uploading")


class UploadError(Exception):
    """The upload failed; `code` is the exit code (2: credentials or input, 1: try again, it resumes)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Uploaded:
    repo_url: str
    commit_url: str
    revision: str


def upload_folder(folder: Path, repo_id: str, *, private: bool = False, revision: str | None = None,
                  endpoint: str | None = None, commit_message: str) -> Uploaded:
    """Create the dataset repo (and branch) if missing, then commit `folder` to it."""
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError

    token = get_token()
    if not token:
        raise UploadError(NO_TOKEN, 2)
    api = HfApi(endpoint=endpoint, token=token, library_name="geocorpus", library_version=__version__)
    branch = revision or "main"
    try:
        repo_url = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        if branch != "main":
            api.create_branch(repo_id, branch=branch, repo_type="dataset", exist_ok=True)
        info = api.upload_folder(repo_id=repo_id, folder_path=folder, repo_type="dataset", revision=branch,
                                 commit_message=commit_message)
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else None
        raise UploadError(_explain(error, status, repo_id, token), 2 if status in (401, 403, 404) else 1) from None
    except (OSError, RuntimeError, ValueError) as error:
        raise UploadError(_scrub(f"upload to {repo_id} failed: {_first_line(error)}{_xet_hint(error)}. "
                                 "Run the same command again: files already on the Hub are not sent twice",
                                 token), 1) from None
    return Uploaded(str(repo_url), info.commit_url, branch)


def _explain(error: Exception, status: int | None, repo_id: str, token: str) -> str:
    server = _first_line(error)
    if status == 401:
        return _scrub(f"the Hub refused the token for {repo_id} (401 Unauthorized: {server}); check HF_TOKEN or "
                      "run `hf auth login` with a token that has write access", token)
    if status in (403, 404):
        return _scrub(f"no write access to dataset {repo_id} ({status}: {server}); check the namespace in "
                      "--repo-id and the token's permissions", token)
    return _scrub(f"the Hub answered {status} for {repo_id}: {server}. Run the same command again: files "
                  "already uploaded are not sent twice", token)


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    cause = error.__cause__
    if cause is not None and str(cause).strip():
        text = f"{text.splitlines()[0]} ({str(cause).strip().splitlines()[0]})"
    return text.splitlines()[0]


def _xet_hint(error: BaseException) -> str:
    text = f"{error} {error.__cause__ or ''}".lower()
    return (" (Xet storage upload failed: for a Hub endpoint without Xet, set HF_HUB_DISABLE_XET=1)"
            if "xet" in text else "")


def _scrub(message: str, token: str) -> str:
    return message.replace(token, "***") if token else message
