"""The system prompt: how to call, every function with its description and example, and worked chains.

In the text protocol the prompt describes the functions and shows calls as `name(arg=value)`. In the
native format the chat template lists the functions (its `tools` block, with its own instructions for
writing a call), so the prompt only says how to work and shows the worked chains' calls as the JSON
objects the template asks for: telling a small model two call syntaxes at once makes it echo the
tool list instead of calling.
"""

from __future__ import annotations

import json
from typing import Any

from fcdpo.tasks.base import Task
from fcdpo.tools.protocol import RESULT_PREFIX, Call, parse_call, protocol_prompt, rule_lines

__all__ = ["RESULT_PREFIX", "native_tools", "system_prompt", "user_prompt", "worked_examples"]

NATIVE_PROMPT = """You solve {kind} step by step by calling the functions you are given.
- {reply_rule}
- After each call you see its result; use it in your next call.
- When you know the answer, call final_answer.{rules}

{examples}"""
NATIVE_THINK_FIRST = (
    "In each reply, write one short sentence saying what this step does and which numbers it uses, then call "
    "exactly one function."
)


def system_prompt(
    task: Task, call_format: str = "text", without_examples: bool = False, think_first: bool = False
) -> str:
    """The system prompt for a task in a call format ("text" or "native"): protocol, functions, few-shot chains.

    `without_examples` leaves the worked chains out (each function keeps its one-line example): a student tuned
    on the task no longer needs them, and a shorter prompt trains and answers faster. `think_first` asks for one
    sentence of reasoning before each call.
    """
    examples = "" if without_examples else worked_examples(task, call_format)
    if call_format == "native":
        rule = NATIVE_THINK_FIRST if think_first else "Call exactly one function per reply, and write nothing else."
        return NATIVE_PROMPT.format(
            kind=task.kind, reply_rule=rule, rules=rule_lines(task.rules), examples=examples
        ).rstrip()
    functions = task.all_functions()
    lines = [f.render() for f in functions]
    return protocol_prompt(task.kind, lines, functions[0].example, examples, think_first, task.rules).rstrip()


def native_tools(task: Task) -> list[dict[str, Any]]:
    """The task's functions as the chat template's `tools` in the native format.

    Without the text protocol's example calls in the descriptions: a model shown `name(arg=...)` there
    copies the tool list back instead of calling (and the call found in the copy is not one it made).
    """
    return [f.json_schema(with_example=False) for f in task.all_functions()]


def worked_examples(task: Task, call_format: str = "text") -> str:
    """The task's few-shot chains as the system prompt shows them, calls in the call format's syntax."""
    if call_format != "native":
        return "\n\n".join(f"Example {i}:\n{ex.render()}" for i, ex in enumerate(task.examples(), start=1))
    signatures = {f.name: f.signature for f in task.all_functions()}
    blocks = []
    for i, example in enumerate(task.examples(), start=1):
        lines = [f"Example {i}:", f"Problem: {example.question}"]
        for call_text, result in example.calls:
            call = parse_call(call_text, signatures)
            if not isinstance(call, Call):
                raise ValueError(f"task {task.name}: worked example {i} has a call that does not parse: {call_text}")
            lines += [json.dumps({"name": call.name, "arguments": call.args}, ensure_ascii=False), f"Result: {result}"]
        blocks.append("\n".join(lines[:-1]))  # final_answer's result is not shown
    return "\n\n".join(blocks)


def user_prompt(question: str, context: str | None = None) -> str:
    """The problem as the first user turn, after its context (a document, a database name) when it has one."""
    return f"Context: {context}\n\nProblem: {question}" if context else f"Problem: {question}"
