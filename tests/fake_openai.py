"""A scripted OpenAI-compatible chat server on loopback: a real HTTP peer for teacher tests.

The reply to each request comes from a Python function of the request body (its text, or a message with native
`tool_calls`); failures
(HTTP 500 for the first N requests) and delays can be injected.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    """`with FakeOpenAI(reply) as server: ... server.url ...`"""

    def __init__(
        self,
        reply: Callable[[dict[str, Any]], str | dict[str, Any]],
        delay: float = 0.0,
        fail_first: int = 0,
        fail_at: tuple[int, ...] = (),
    ):
        """`fail_first`: the first N requests get an HTTP 500; `fail_at`: so do these request numbers (from 1)."""
        self.reply, self.delay, self.fail_first, self.fail_at = reply, delay, fail_first, fail_at
        self.requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake._lock:
                    fake.requests += 1
                    failing = fake.requests <= fake.fail_first or fake.requests in fake.fail_at
                if failing:
                    return self._send(500, {"error": {"message": "injected failure", "type": "server_error"}})
                time.sleep(fake.delay)
                reply = fake.reply(body)  # the reply's text, or a whole message (one with `tool_calls`)
                message = reply if isinstance(reply, dict) else {"role": "assistant", "content": reply}
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{fake.requests}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "fake"),
                        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 50, "completion_tokens": 7, "total_tokens": 57},
                    },
                )

        return Handler

    def __enter__(self) -> FakeOpenAI:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


_SUM = re.compile(r"What is (\d+) \+ (\d+)\?")


def sum_solver(off_by_one: Callable[[dict[str, Any], int], bool]) -> Callable[[dict[str, Any]], str]:
    """A reply function that solves 'What is A + B?' in two calls (add, then final_answer);
    its answer is one too high when `off_by_one(request body, A)` says so.
    """

    def reply(body: dict[str, Any]) -> str:
        question = next(m["content"] for m in body["messages"] if m["role"] == "user")
        a, b = map(int, _SUM.search(question).groups())
        if not any(m["role"] == "assistant" for m in body["messages"]):
            return f"add(a={a}, b={b})"
        return f"final_answer(answer={a + b + bool(off_by_one(body, a))})"

    return reply


adder = sum_solver(lambda body, a: (body.get("seed") or 0) % 2)  # odd seeds give a wrong final answer


def sum_problems(n: int) -> list[dict[str, str]]:
    """`n` JSONL rows of 'What is A + B?' problems."""
    return [
        {"id": f"s{i}", "task": "math", "question": f"What is {i} + {2 * i + 1}?", "answer": str(3 * i + 1)}
        for i in range(n)
    ]


def native_adder(body: dict[str, Any]) -> str | dict[str, Any]:
    """A native tool-calling model for 'What is A + B?': it calls the bound `add` tool, then says the result;
    one too high for odd seeds; it calls again while the tool says no number; plain prose when no tool is bound.
    """
    question = next(m["content"] for m in body["messages"] if m["role"] == "user")
    if not _SUM.search(question):
        return "Adding two numbers."  # asked something else (a title, say)
    a, b = map(int, _SUM.search(question).groups())
    results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
    if results and re.fullmatch(r"[\d.]+", results[-1]):
        return f"The sum is {int(float(results[-1])) + (body.get('seed') or 0) % 2}."
    if not body.get("tools"):
        return "I cannot add without a calculator."
    arguments = json.dumps({"a": a, "b": b})
    call = {"id": f"call_{len(results)}", "type": "function", "function": {"name": "add", "arguments": arguments}}
    return {"role": "assistant", "content": "", "tool_calls": [call]}
