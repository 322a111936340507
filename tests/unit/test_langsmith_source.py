"""`fcdpo export --from-langsmith`: graded root runs of a stock agent, served by a loopback LangSmith
stand-in (paged runs and feedback, three stored message formats), become preference pairs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from langchain.agents import create_agent
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage, message_to_dict
from langchain_core.messages.utils import convert_to_openai_messages
from langchain_core.tools import tool

from fcdpo.training.export import load_pairs
from tests.langsmith_recorder import LangSmithRecorder
from tests.scripted import scripted_model

QUESTION = "A pen costs $3. How much do 4 pens cost?"


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


def agent_messages(a: int, b: int, answer: str):
    """A stock agent's real message history: one multiply call, then a prose answer."""
    call = AIMessage("", tool_calls=[{"name": "multiply", "args": {"a": a, "b": b}, "id": f"c{a}{b}"}])
    agent = create_agent(scripted_model(call, AIMessage(answer)), tools=[multiply])
    return agent.invoke({"messages": [("user", QUESTION)]})["messages"]


def root_run(day: str, messages) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "name": "agent",
        "run_type": "chain",
        "start_time": f"2026-11-{day}T10:00:00",
        "trace_id": str(uuid.uuid4()),
        "inputs": {"messages": [{"role": "user", "content": QUESTION}]},
        "outputs": {"messages": messages} if messages is not None else {"answer": "12"},
    }


def feedback(run: dict, score: float, key: str = "correct") -> dict:
    stamp = "2026-11-20T00:00:00Z"
    ids = {"id": str(uuid.uuid4()), "run_id": run["id"], "trace_id": run["trace_id"]}
    return {**ids, "key": key, "score": score, "created_at": stamp, "modified_at": stamp}


def export(recorder, tmp_path, *extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANGSMITH_", "LANGCHAIN_"))}
    env.update(LANGSMITH_ENDPOINT=recorder.url, LANGSMITH_API_KEY="test-key", LANGSMITH_TRACING="false")
    return subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", "export", "--out", str(tmp_path / "pairs"), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_graded_runs_of_a_project_become_pairs_and_the_rest_is_counted(tmp_path):
    right = agent_messages(3, 4, "12")
    wrong = agent_messages(3, 3, "9")
    runs = [
        root_run("02", [dumpd(m) for m in right]),  # LangChain's serialized form
        root_run("03", [message_to_dict(m) for m in wrong]),  # {"type", "data"}
        root_run("04", convert_to_openai_messages(wrong)),  # OpenAI role dicts, not graded
        root_run("05", [message_to_dict(m) for m in wrong]),  # graded 0.5: neither side
        root_run("06", None),  # graded 1 but no messages
        root_run("07", convert_to_openai_messages(wrong)),  # graded under another key only
        root_run("10", convert_to_openai_messages(right)),  # graded 1, OpenAI role dicts
    ]
    old = root_run("01", [dumpd(m) for m in wrong])  # before --since
    with LangSmithRecorder() as recorder:
        recorder.stored_runs["shop-agent"] = [old, *runs]
        recorder.stored_feedback = [feedback(runs[4], 1) for _ in range(120)]  # past the first page of 100
        recorder.stored_feedback += [
            feedback(runs[0], 1),
            feedback(runs[1], 0),
            feedback(runs[3], 0.5),
            feedback(runs[4], 1),
            feedback(runs[5], 1, key="helpful"),
            feedback(runs[6], 1.0),
            feedback(old, 0),
        ]
        result = export(
            recorder, tmp_path, "--from-langsmith", "shop-agent", "--task", "math", "--since", "2026-11-02"
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (
        "LangSmith 'shop-agent': 7 root runs, 2 scored 1, 1 scored 0; skipped: no feedback 2, other score 1, "
        "no messages 1" in result.stdout
    )
    # paging was followed: runs past the first cursor page and feedback past the first offset page were read
    assert sum(path.startswith("/runs/query") for _, path in recorder.requests) == 4
    assert sum(path.startswith("/feedback") for _, path in recorder.requests) == 2
    pairs = load_pairs(tmp_path / "pairs" / "pairs.jsonl")
    # The two right runs, stored in different formats, read as the same chain: one pair, not two.
    assert len(pairs) == 1
    for pair in pairs:
        assert pair["prompt"][1]["content"] == QUESTION
        assert [t["content"] for t in pair["chosen"] if t["role"] == "assistant"] == [
            "multiply(a=3, b=4)",
            'final_answer(answer="12")',
        ]
        assert [t["content"] for t in pair["rejected"] if t["role"] == "assistant"][0] == "multiply(a=3, b=3)"


def test_an_unknown_project_or_a_missing_task_is_a_one_line_error(tmp_path):
    with LangSmithRecorder() as recorder:
        missing = export(recorder, tmp_path, "--from-langsmith", "nope", "--task", "math")
        no_task = export(recorder, tmp_path, "--from-langsmith", "nope")
        nothing = export(recorder, tmp_path)
    assert missing.returncode != 0 and "--from-langsmith nope:" in missing.stderr and "Traceback" not in missing.stderr
    assert no_task.returncode != 0 and "needs --task" in no_task.stderr
    assert nothing.returncode != 0 and "--from-langsmith PROJECT" in nothing.stderr
