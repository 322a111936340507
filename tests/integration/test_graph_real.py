"""The slow path of `--graph` on a real packaged student: the stock SQL agent (examples/sql_stock_agent, no fcdpo
inside) run as it is — gold-playing chains from a loopback server as the chosen side, smollm2-135m's own chains
as the rejected side — exported, trained two DPO steps, and the student before and after evaluated inside the
same stock agent.
"""

from __future__ import annotations

import pytest

from fcdpo.evals.run import EvalSettings, eval_configs, model_dir, run_eval
from fcdpo.graphs.generate import GenerateConfig, RunOptions, run_generate
from fcdpo.graphs.traces_io import read_traces
from fcdpo.training.export import run_export
from fcdpo.training.train import run_train
from tests.fake_openai import FakeOpenAI
from tests.stock_agents import AGENT, TASK, gold_agent

pytestmark = pytest.mark.slow
STUDENT = "smollm2-135m"
GRAPH = f"{AGENT}:make_agent"


def test_generate_export_train_and_eval_inside_the_stock_agent(tmp_path):
    chains = {"tasks": [TASK], "problems": 3, "samples": 1, "max_steps": 3, "max_new_tokens": 40, "graph": GRAPH}
    with FakeOpenAI(gold_agent) as server:
        gold = GenerateConfig(model="openai:gold", **{**chains, "max_steps": 6})
        run_generate(gold, tmp_path / "gold", RunOptions(base_url=server.url, timeout=10, progress=False))
    run_generate(GenerateConfig(model=STUDENT, **chains), tmp_path / "student", RunOptions(progress=False))
    student = read_traces(tmp_path / "student" / "traces.jsonl")[0]
    assert len(student) == 3 and all(t.messages[0].content.startswith("You are an agent") for t in student)

    stats = run_export([tmp_path / "gold"], tmp_path / "pairs", rejected_from=[tmp_path / "student"])
    assert stats["pairs"] >= 1
    settings = {"max_steps": 2, "per_device_train_batch_size": 1, "gradient_accumulation_steps": 1}
    summary = run_train(STUDENT, tmp_path / "pairs", tmp_path / "train", None, {"dpo": settings})
    assert summary["global_step"] == 2 and summary["pairs_trained"] == stats["pairs"]

    tuned = f"{STUDENT}+{summary['adapter']}"
    configs = eval_configs(
        [STUDENT, tuned], [TASK], EvalSettings(problems=2, max_steps=3, max_new_tokens=40, graph=GRAPH)
    )
    results = run_eval(configs, tmp_path / "eval", RunOptions(progress=False))
    assert set(results["models"]) == {STUDENT, tuned}
    for spec in (STUDENT, tuned):
        traces = read_traces(tmp_path / "eval" / "traces" / model_dir(spec) / "traces.jsonl")[0]
        assert len(traces) == 2 and all(t.sampling["source"] == "graph" and t.sampling["model_calls"] for t in traces)
