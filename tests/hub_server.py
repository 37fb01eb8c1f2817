"""A loopback fake of the Hugging Face Hub's HTTP API: the endpoints `huggingface_hub` 2.4 calls to publish.

Real HTTP on 127.0.0.1 with the request and response shapes of `hf_api.py`, `_commit_api.py` and `lfs.py`:
`POST /api/repos/create`, `POST /api/validate-yaml`, `POST /api/datasets/{id}/branch/{b}`,
`POST /api/datasets/{id}/preupload/{rev}`, `POST /datasets/{id}.git/info/lfs/objects/batch` (basic and
multipart transfers, with verify), `PUT` of the LFS objects, and `POST /api/datasets/{id}/commit/{rev}`
(NDJSON: header, file, lfsFile, deletedFile). It has no Xet: `/xet-write-token` answers 404, as a Hub
mirror without Xet would. Faults are injected per route (`fail`), and every request is recorded without its
Authorization header, so tests can assert on what the client sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import yaml

LFS_MIN_BYTES = 10 * 1024 * 1024  # the Hub stores bigger files in LFS whatever their type
LFS_SUFFIXES = (".parquet", ".png", ".arrow", ".bin")


@dataclass
class Recorded:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    body: dict[str, Any]


@dataclass
class Repo:
    private: bool
    branches: dict[str, dict[str, bytes]] = field(default_factory=lambda: {"main": {}})
    commits: list[dict[str, Any]] = field(default_factory=list)


class FakeHub:
    """Start with `with FakeHub(token) as hub:`; `hub.url` is the endpoint for `HfApi(endpoint=...)`."""

    def __init__(self, token: str, multipart_chunk: int | None = None) -> None:
        self.token = token
        self.multipart_chunk = multipart_chunk  # LFS objects above this size go multipart, in parts of it
        self.repos: dict[str, Repo] = {}
        self.lfs: dict[str, bytes] = {}
        self.parts: dict[tuple[str, int], bytes] = {}
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, path_regex: str, status: int, times: int = 1, message: str = "injected") -> None:
        """The next `times` requests matching answer `status` with the Hub's error body."""
        self.faults.append(Fault(method, re.compile(path_regex), status, times, {"error": message}))

    def calls(self, method: str, path_regex: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.search(path_regex, r.path)]

    def files(self, repo_id: str, branch: str = "main") -> dict[str, bytes]:
        return dict(self.repos[repo_id].branches[branch])

    # --- routing -------------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, Any]:
        with self.lock:
            self.requests.append(Recorded(method, path, body, {k: v for k, v in headers.items()
                                                                 if k.lower() != "authorization"}))
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                    fault.times -= 1
                    return fault.status, {"X-Error-Message": fault.body["error"]}, fault.body
        route = path.split("?", 1)[0]
        if route.startswith("/_lfs/"):
            return self._lfs_transfer(method, route, body)  # presigned-URL style: no Authorization needed
        if headers.get("authorization") != f"Bearer {self.token}":
            message = "Invalid credentials in Authorization header"
            return 401, {"X-Error-Message": message}, {"error": message}
        with self.lock:
            return self._route(method, route, body)

    def _route(self, method: str, route: str, body: bytes) -> tuple[int, dict, Any]:
        if method == "POST" and route == "/api/repos/create":
            return self._create_repo(json.loads(body))
        if method == "POST" and route == "/api/validate-yaml":
            return self._validate_yaml(json.loads(body))
        if match := re.fullmatch(r"/api/datasets/([^/]+/[^/]+)/(branch|preupload|commit)/(.+)", route):
            repo_id, action, rev = match.groups()
            if repo_id not in self.repos:
                return 404, {"X-Error-Code": "RepoNotFound"}, {"error": "Repository not found"}
            repo = self.repos[repo_id]
            if action == "branch":
                if rev in repo.branches:
                    return 409, {}, {"error": "Reference already exists"}
                start = json.loads(body or b"{}").get("startingPoint", "main")
                repo.branches[rev] = dict(repo.branches[start])
                return 200, {}, {}
            if rev not in repo.branches:
                return 404, {"X-Error-Code": "RevisionNotFound"}, {"error": f"Invalid rev id: {rev}"}
            if action == "preupload":
                return self._preupload(repo.branches[rev], json.loads(body))
            return self._commit(repo_id, repo, rev, body)
        if match := re.fullmatch(r"/datasets/([^/]+/[^/]+)\.git/info/lfs/objects/batch", route):
            return self._lfs_batch(json.loads(body))
        if re.fullmatch(r"/api/datasets/[^/]+/[^/]+/xet-write-token/.+", route):
            return 404, {}, {"error": "Xet storage is not enabled on this endpoint"}
        return 404, {}, {"error": f"no route {method} {route}"}

    def _create_repo(self, payload: dict) -> tuple[int, dict, Any]:
        repo_id = f"{payload['organization']}/{payload['name']}"
        url = f"{self.url}/datasets/{repo_id}"
        if payload.get("type") != "dataset":
            return 400, {}, {"error": "this fake only hosts datasets"}
        if repo_id in self.repos:
            return 409, {}, {"error": "You already created this dataset repo", "url": url}
        self.repos[repo_id] = Repo(private=payload.get("visibility") == "private" or bool(payload.get("private")))
        return 200, {}, {"url": url, "name": repo_id}

    def _validate_yaml(self, payload: dict) -> tuple[int, dict, Any]:
        content = payload["content"]
        match = re.match(r"^---\n(.*?)\n---\n", content, re.S)
        errors = []
        try:
            meta = yaml.safe_load(match.group(1)) if match else None
        except yaml.YAMLError as error:
            meta, errors = None, [{"message": f"YAML: {error}"}]
        if not errors and not isinstance(meta, dict):
            errors.append({"message": "metadata must be a YAML mapping between --- lines"})
        elif not errors:
            for value in meta.get("license") if isinstance(meta.get("license"), list) else [meta.get("license")]:
                if value is not None and not re.fullmatch(r"[a-z0-9.+-]+", str(value)):
                    errors.append({"message": f'"license" must be a Hub licence id, got {value!r}'})
        return (400 if errors else 200), {}, {"errors": errors, "warnings": []}

    def _preupload(self, files: dict[str, bytes], payload: dict) -> tuple[int, dict, Any]:
        answers = []
        for item in payload["files"]:
            sample = base64.b64decode(item["sample"])
            lfs = item["size"] >= LFS_MIN_BYTES or item["path"].endswith(LFS_SUFFIXES) or b"\0" in sample
            stored = files.get(item["path"])
            oid = None
            if stored is not None:
                oid = hashlib.sha256(stored).hexdigest() if lfs else _git_blob_id(stored)
            answers.append({"path": item["path"], "uploadMode": "lfs" if lfs else "regular",
                            "shouldIgnore": False, "oid": oid})
        return 200, {}, {"files": answers}

    def _lfs_batch(self, payload: dict) -> tuple[int, dict, Any]:
        objects = []
        for obj in payload["objects"]:
            oid, size = obj["oid"], obj["size"]
            if oid in self.lfs:
                objects.append({"oid": oid, "size": size})  # already stored: no actions, nothing to send
                continue
            href = f"{self.url}/_lfs/{oid}"
            upload: dict[str, Any] = {"href": href}
            if self.multipart_chunk and size > self.multipart_chunk:
                count = -(-size // self.multipart_chunk)
                upload["header"] = {"chunk_size": str(self.multipart_chunk),
                                    **{str(n): f"{href}/part/{n}" for n in range(1, count + 1)}}
            objects.append({"oid": oid, "size": size, "authenticated": True,
                            "actions": {"upload": upload, "verify": {"href": f"{href}/verify"}}})
        return 200, {}, {"transfer": "basic", "objects": objects}

    def _lfs_transfer(self, method: str, route: str, body: bytes) -> tuple[int, dict, Any]:
        parts = route.split("/")  # ['', '_lfs', oid, ...]
        oid = parts[2]
        with self.lock:
            if method == "PUT" and len(parts) == 3:
                if hashlib.sha256(body).hexdigest() != oid:
                    return 400, {}, {"error": "sha256 mismatch"}
                self.lfs[oid] = body
                return 200, {}, {}
            if method == "PUT" and len(parts) == 5 and parts[3] == "part":
                self.parts[(oid, int(parts[4]))] = body
                return 200, {"ETag": f'"{hashlib.md5(body).hexdigest()}"'}, {}
            if method == "POST" and len(parts) == 3:  # multipart completion
                numbers = [p["partNumber"] for p in json.loads(body)["parts"]]
                data = b"".join(self.parts.pop((oid, n)) for n in numbers)
                if hashlib.sha256(data).hexdigest() != oid:
                    return 400, {}, {"error": "sha256 mismatch after multipart"}
                self.lfs[oid] = data
                return 200, {}, {}
            if method == "POST" and parts[-1] == "verify":
                size = json.loads(body)["size"]
                ok = oid in self.lfs and len(self.lfs[oid]) == size
                return (200, {}, {}) if ok else (404, {}, {"error": "object not stored"})
        return 404, {}, {"error": "no such LFS route"}

    def _commit(self, repo_id: str, repo: Repo, rev: str, body: bytes) -> tuple[int, dict, Any]:
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        header, operations = lines[0], lines[1:]
        if header.get("key") != "header":
            return 400, {}, {"error": "first NDJSON line must be the header"}
        files = dict(repo.branches[rev])
        for op in operations:
            value = op["value"]
            if op["key"] == "file":
                files[value["path"]] = base64.b64decode(value["content"])
            elif op["key"] == "lfsFile":
                if value["oid"] not in self.lfs:
                    return 400, {}, {"error": f"LFS object {value['oid']} was never uploaded"}
                files[value["path"]] = self.lfs[value["oid"]]
            elif op["key"] == "deletedFile":
                files.pop(value["path"], None)
        oid = hashlib.sha1(body).hexdigest()
        repo.branches[rev] = files
        repo.commits.append({"revision": rev, "summary": header["value"]["summary"], "oid": oid,
                             "paths": [op["value"]["path"] for op in operations]})
        return 200, {}, {"commitUrl": f"{self.url}/datasets/{repo_id}/commit/{oid}", "commitOid": oid,
                         "pullRequestUrl": None}


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob " + str(len(data)).encode() + b"\0" + data).hexdigest()


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _serve(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = hub.handle(self.command, self.path, headers, self._body())
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler
