"""The system prompt: how to call, every function with its description and example, and worked chains."""

from __future__ import annotations

from fcdpo.tasks.base import Task
from fcdpo.tools.protocol import RESULT_PREFIX, protocol_prompt

__all__ = ["RESULT_PREFIX", "system_prompt", "user_prompt", "worked_examples"]


def system_prompt(task: Task) -> str:
    """The system prompt for a task: protocol, functions and few-shot chains."""
    functions = task.all_functions()
    return protocol_prompt(task.kind, [f.render() for f in functions], functions[0].example, worked_examples(task))


def worked_examples(task: Task) -> str:
    """The task's few-shot chains as the system prompt shows them."""
    return "\n\n".join(f"Example {i}:\n{ex.render()}" for i, ex in enumerate(task.examples(), start=1))


def user_prompt(question: str, context: str | None = None) -> str:
    """The problem as the first user turn, after its context (a document, a database name) when it has one."""
    return f"Context: {context}\n\nProblem: {question}" if context else f"Problem: {question}"
