"""The `reference` teacher: a task's own solver in the model's seat, for problems it generated.

A chain is only as good as its teacher, and a small teacher mostly guesses on logic. For a
generated problem the task knows a gold chain (logic: state the facts and rules the question
depends on, query the engine, answer; math: its template's operations, then the answer), so
`reference` writes what a perfect teacher would, through the same graph, tools and verify node:
chosen chains when no strong teacher is at hand, and an upper bound on what teacher chains can
teach a student. A chat model sees only
messages, so one scripted model (langchain-core's GenericFakeChatModel) is made per problem.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from fcdpo.errors import UserError
from fcdpo.tasks import get_task
from fcdpo.types import Problem


def reference_model(problem: Problem) -> BaseChatModel:
    """A chat model that replies with `problem`'s gold calls, one per turn."""
    calls = get_task(problem.task).reference_calls(problem)
    if calls is None:
        raise UserError(
            f"model spec 'reference': the {problem.task} task cannot solve problem {problem.id} by itself; use a model"
        )
    return GenericFakeChatModel(messages=iter([AIMessage(call) for call in calls]))
