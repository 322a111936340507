"""The system prompt: how to call, every function with its description and example, and worked chains."""

from __future__ import annotations

from fcdpo.tasks.base import Task

RESULT_PREFIX = "Result:"

SYSTEM = """You solve {kind} step by step by calling functions.
- Reply with exactly one function call and nothing else, for example {example}
- Use keyword arguments with plain values: numbers, or text in double quotes.
- After each call you see "{result} ..."; use it in your next call.
- When you know the answer, call final_answer(answer=...).

Functions:
{functions}

{examples}"""


def system_prompt(task: Task) -> str:
    """The system prompt for a task: protocol, functions and few-shot chains."""
    functions = task.all_functions()
    examples = "\n\n".join(f"Example {i}:\n{ex.render()}" for i, ex in enumerate(task.examples(), start=1))
    return SYSTEM.format(
        kind=task.kind,
        example=functions[0].example,
        result=RESULT_PREFIX,
        functions="\n".join(f"- {f.render()}" for f in functions),
        examples=examples,
    )


def user_prompt(question: str, context: str | None = None) -> str:
    """The problem as the first user turn, after its context (a document, a database name) when it has one."""
    return f"Context: {context}\n\nProblem: {question}" if context else f"Problem: {question}"
