"""The `solver` graph behind a real `langgraph dev` server (what LangGraph Studio talks to),
driven with `langgraph_sdk` and a real packaged model picked through the run's context.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port, wait_until_up

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_NO_VERSION_CHECK": "true",
        "LANGSMITH_TRACING": "false",
    }
    log = (tmp_path / "server.log").open("w")
    langgraph = Path(sys.executable).parent / "langgraph"
    # --no-reload: the reloader restarts the server whenever a file in the project changes.
    process = subprocess.Popen(
        [str(langgraph), "dev", "--no-browser", "--no-reload", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, f"{url}/ok", tmp_path / "server.log", timeout=180)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_studio_server_runs_the_graph_with_a_context_selected_model(server):
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=server)
    assistants = client.assistants.search(graph_id="solver")
    assert assistants, "langgraph.json should serve the solver graph"
    thread = client.threads.create()
    updates = []
    for part in client.runs.stream(
        thread["thread_id"],
        "solver",
        input={"question": "A pen costs $3. How much do 4 pens cost?", "answer": "12"},
        context={"model": "smollm2-135m", "task": "math", "max_steps": 2, "max_new_tokens": 32},
        stream_mode="updates",
    ):
        assert part.event != "error", part.data
        if part.event == "updates":
            updates.extend(part.data)
    assert updates[:3] == ["start", "reason", "act"]  # node by node, as Studio shows them
    assert updates[-1] == "verify"
    state = client.threads.get_state(thread["thread_id"])["values"]
    assert state["verdict"] in ("correct", "incorrect")
    assert 1 <= len(state["steps"]) <= 2 and state["status"] in ("finished", "unfinished")
    assert any(m["type"] == "ai" for m in state["messages"])
