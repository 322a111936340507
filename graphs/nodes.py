"""The solver's nodes: `start` sets up the conversation, `reason` asks the model for one call,
`act` parses and runs it, `verify` grades the final answer. Nodes return partial updates.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.runtime import Runtime

from fcdpo.graphs.context import Context
from fcdpo.graphs.prompts import RESULT_PREFIX, native_tools, system_prompt, user_prompt
from fcdpo.graphs.state import State
from fcdpo.models import load_chat_model
from fcdpo.models.local_chat import LocalChatModel
from fcdpo.tasks import Task, get_task
from fcdpo.tools import FINAL_ANSWER, ToolError
from fcdpo.tools.numbers import format_number
from fcdpo.tools.protocol import Call, check_args, parse_call
from fcdpo.types import Problem, Step

MAX_REPLIES_WITHOUT_CALL = 3  # replies in a row with no parsable call that end a chain (unfinished)
REPEAT_NOTE = " (you already made this exact call; use the result and take the next step)"
UNGROUNDED_NOTE = (
    "the problem does not say this; state only facts and rules written in the problem, as they are written"
)


def problem_of(state: State, task: Task) -> Problem:
    """The problem the state is about."""
    return Problem(state.problem_id or "", task.name, state.question, state.answer, dict(state.meta))


@lru_cache(maxsize=32)
def _model(
    spec: str, temperature: float, top_p: float, seed: int | None, max_new_tokens: int, base_url: str | None
) -> BaseChatModel:
    return load_chat_model(
        spec, temperature=temperature, top_p=top_p, seed=seed, max_new_tokens=max_new_tokens, base_url=base_url
    )


def model_for(context: Context) -> BaseChatModel:
    """The chat model a context names (one instance per distinct setting)."""
    return _model(
        context.model, context.temperature, context.top_p, context.seed, context.max_new_tokens, context.base_url
    )


def start(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Open the conversation: system prompt with functions and examples, then the problem."""
    if not state.question.strip():
        raise ValueError("the input needs a non-empty question")
    context = runtime.context
    task = get_task(context.task)
    problem = problem_of(state, task)
    workspace = task.new_workspace(problem)
    question = user_prompt(task.present(state.question), problem.meta.get("context"))
    return {
        "messages": [
            SystemMessage(system_prompt(task, context.call_format, context.without_examples, context.think_first)),
            HumanMessage(question),
        ],
        "workspace": task.save_workspace(workspace),
        "status": "running",
    }


def make_reason(model: BaseChatModel | None):
    """The `reason` node; with `model=None` the model comes from the run's context."""

    def reason(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        """Ask the model for its next call."""
        context = runtime.context
        llm = model or model_for(context)
        task = get_task(context.task)
        options: dict[str, Any] = {}
        if isinstance(llm, LocalChatModel):  # one call per reply: stop generating after the first complete one
            options["stop_after_call"] = [f.name for f in task.all_functions()]
        if context.call_format == "native":
            llm = llm.bind_tools(native_tools(task))
        # A model that goes on to invent the next result is cut there: that text is ours to write.
        reply = llm.invoke(state.messages, stop=[f"\n{RESULT_PREFIX}"], **options)
        return {"messages": [reply]}

    return reason


def act(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Parse the last reply's call and run it; a bad call becomes a recorded error fed back to the model."""
    task = get_task(runtime.context.task)
    functions = {f.name: f for f in task.all_functions()}
    signatures = {name: f.signature for name, f in functions.items()}
    reply: AIMessage = state.messages[-1]
    text = reply.content if isinstance(reply.content, str) else str(reply.content)
    call_id = None
    native = runtime.context.call_format == "native"
    if native and reply.tool_calls:
        first = reply.tool_calls[0]
        call_id, parsed = first.get("id"), check_args(first["name"], first["args"], signatures)
    else:
        parsed = parse_call(text, signatures, native=native)

    update: dict[str, Any] = {}
    step = Step(index=len(state.steps), text=text, call=None)
    if not isinstance(parsed, Call):
        step.error = parsed.message
    else:
        step.call = parsed.to_dict()
        problem = problem_of(state, task)
        step.grounded = task.statement_grounded(problem, step.call)
        workspace = task.load_workspace(state.workspace, problem)
        try:
            if step.grounded is False and runtime.context.check_grounding:
                raise ToolError(UNGROUNDED_NOTE)
            value = functions[parsed.name].run(parsed.args, workspace)
            step.result = (
                format_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
            )
        except ToolError as exc:
            step.error = str(exc)
        else:
            update["workspace"] = task.save_workspace(workspace)
            if parsed.name == FINAL_ANSWER:
                update["final_answer"] = step.result
            elif any(s.get("call") == step.call and s.get("error") is None for s in state.steps):
                step.result += REPEAT_NOTE
    update["steps"] = [step.to_dict()]
    if step.error is not None:
        update["errors"] = state.errors + 1
    if "final_answer" in update:  # the chain is over: nothing more to tell the model
        return update
    feedback = step.observation()
    update["messages"] = [ToolMessage(feedback, tool_call_id=call_id) if call_id else HumanMessage(feedback)]
    return update


def verify(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Grade the final answer with the task's one grader; no ground truth → 'unknown'."""
    task = get_task(runtime.context.task)
    finished = state.final_answer is not None
    if state.answer is None:
        verdict = "unknown"
    else:
        right = finished and task.check(state.final_answer, state.answer, problem_of(state, task))
        verdict = "correct" if right else "incorrect"
    return {"verdict": verdict, "status": "finished" if finished else "unfinished"}


def after_act(state: State, runtime: Runtime[Context]) -> str:
    """Back to the model, or on to grading once answered, out of steps, or after `MAX_REPLIES_WITHOUT_CALL` replies
    in a row that hold no call at all (told the format each time, a model that still writes none will not start:
    an untuned small model otherwise spends its whole step budget writing prose).
    """
    silent = state.steps[-MAX_REPLIES_WITHOUT_CALL:]
    if len(silent) == MAX_REPLIES_WITHOUT_CALL and all(step.get("call") is None for step in silent):
        return "verify"
    if state.final_answer is not None or len(state.steps) >= runtime.context.max_steps:
        return "verify"
    return "reason"
