"""A local LangSmith endpoint on loopback: records what the client sends (runs and feedback), and serves
stored root runs and feedback back to it (project lookup, cursor-paged run queries, offset-paged feedback).
"""

from __future__ import annotations

import json
import threading
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class LangSmithRecorder:
    """`with LangSmithRecorder() as ls: ... ls.url ... ls.runs ... ls.feedback`"""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request
        self.runs: dict[str, dict[str, Any]] = {}  # run id → merged fields from posts and patches
        self.feedback: list[dict[str, Any]] = []
        self.datasets: list[dict[str, Any]] = []
        self.examples: list[dict[str, Any]] = []
        self.stored_runs: dict[str, list[dict[str, Any]]] = {}  # project name → its root runs, served
        self.stored_feedback: list[dict[str, Any]] = []  # served by GET /feedback
        self.stored_datasets: dict[str, list[dict[str, Any]]] = {}  # dataset name → its examples, served
        self.page_size = (
            2  # runs per query page: small, so the client must follow cursors (feedback: 100, as LangSmith)
        )
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _record_multipart(self, content_type: str, body: bytes) -> None:
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition") or ""
            kind, _, rest = name.partition(".")  # "post.<id>", "patch.<id>", "post.<id>.inputs", ...
            run_id, _, field = rest.partition(".")
            if kind not in ("post", "patch") or not run_id:
                continue
            payload = json.loads(part.get_payload(decode=True) or b"null")
            run = self.runs.setdefault(run_id, {})
            if field:
                run[field] = payload
            elif isinstance(payload, dict):
                run.update(payload)

    def _query(self, body: dict[str, Any]) -> dict[str, Any]:
        """A page of the stored root runs of the queried projects, from `start_time` on."""
        runs = [
            run
            for name, stored in sorted(self.stored_runs.items())
            if _project_id(name) in body.get("session", [])
            for run in stored
            if run["start_time"] >= body.get("start_time", "")[:19]
        ]
        start = int(body.get("cursor") or 0)
        page = runs[start : start + self.page_size]
        more = start + self.page_size < len(runs)
        return {"runs": page, "cursors": {"next": str(start + self.page_size) if more else None}}

    def _handler(self):
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):
                with recorder._lock:
                    recorder.requests.append(("GET", self.path))
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if url.path == "/sessions":
                    name = query.get("name", [""])[0]
                    found = name in recorder.stored_runs
                    project = {"id": _project_id(name), "name": name, "tenant_id": _project_id("tenant")}
                    return self._reply([{**project, "reference_dataset_id": None}] if found else [])
                if url.path == "/feedback":
                    runs, keys = set(query.get("run", [])), set(query.get("key", []))
                    found = [
                        f for f in recorder.stored_feedback if f["run_id"] in runs and (not keys or f["key"] in keys)
                    ]
                    offset, limit = int(query.get("offset", ["0"])[0]), min(int(query.get("limit", ["100"])[0]), 100)
                    return self._reply(found[offset : offset + limit])
                if url.path == "/datasets" and query.get("name", [""])[0] in recorder.stored_datasets:
                    name = query["name"][0]
                    return self._reply([{"id": _dataset_id(name), "name": name, "created_at": "2026-11-01T00:00:00"}])
                if self.path.startswith("/datasets"):  # a lookup by name: none exists
                    return self._reply(
                        [] if "limit" in self.path else {"detail": "not found"}, 200 if "limit" in self.path else 404
                    )
                if url.path == "/examples":  # offset-paged, as LangSmith pages them
                    ids = query.get("dataset", [""])
                    found = [e for name, stored in recorder.stored_datasets.items() if _dataset_id(name) in ids
                             for e in stored]  # fmt: skip
                    offset, limit = int(query.get("offset", ["0"])[0]), int(query.get("limit", ["100"])[0])
                    return self._reply(found[offset : offset + limit])
                self._reply({})  # no server info: the client falls back to its defaults

            def do_POST(self):
                body = self._body()
                with recorder._lock:
                    recorder.requests.append(("POST", self.path))
                    if self.path.startswith("/runs/query"):
                        return self._reply(recorder._query(json.loads(body)))
                    if self.path.startswith("/runs/multipart"):
                        recorder._record_multipart(self.headers["Content-Type"], body)
                    elif self.path.startswith("/feedback"):
                        recorder.feedback.append(json.loads(body))
                    elif self.path.startswith("/datasets"):
                        dataset = {
                            **json.loads(body),
                            "id": "3f2b9c4e-0000-4000-8000-000000000001",
                            "created_at": "2026-01-01T00:00:00Z",
                        }
                        recorder.datasets.append(dataset)
                        return self._reply(dataset)
                    elif self.path.startswith("/examples/bulk"):
                        recorder.examples.extend(json.loads(body))
                        return self._reply([{"id": str(i)} for i in range(len(json.loads(body)))])
                    elif self.path.startswith("/runs/batch"):
                        data = json.loads(body)
                        for run in data.get("post", []) + data.get("patch", []):
                            recorder.runs.setdefault(str(run["id"]), {}).update(run)
                self._reply({})

            def do_PATCH(self):
                body = self._body()
                with recorder._lock:
                    recorder.requests.append(("PATCH", self.path))
                    run_id = self.path.rstrip("/").split("/")[-1]
                    recorder.runs.setdefault(run_id, {}).update(json.loads(body or b"{}"))
                self._reply({})

        return Handler

    def __enter__(self) -> LangSmithRecorder:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def _project_id(name: str) -> str:
    """A stable UUID for a project name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"project:{name}"))


def _dataset_id(name: str) -> str:
    """A stable UUID for a dataset name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dataset:{name}"))
