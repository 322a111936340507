r"""A stock LangGraph agent whose model is whatever answers at a URL: the teacher, or the tuned student.

The agent is LangChain's stock `create_agent` (a LangGraph graph, the successor of
`langgraph.prebuilt.create_react_agent`) over `ChatOpenAI(base_url=...)`, with a task's functions as
ordinary LangChain tools; nothing in it knows fcdpo's call protocol. Swapping teacher for student is
changing the URL:

    fcdpo serve --model qwen2.5-coder-0.5b+runs/demo/train/adapter --port 8000 &
    python examples/prebuilt_agent.py --base-url http://127.0.0.1:8000/v1 \
        --question "A pen costs 3 dollars. How much do 4 pens cost?" --answer 12
    python examples/prebuilt_agent.py --base-url https://your-teacher/v1 --model big-model ...

`--task` takes any task fcdpo knows: `math`, `logic`, or a plug-in (`examples/sql_agent/task.py:task`).
"""

from __future__ import annotations

import argparse
from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import ToolMessage
from langchain_core.tools import StructuredTool, ToolException
from langchain_openai import ChatOpenAI
from langgraph.errors import GraphRecursionError

from fcdpo.tasks import get_task
from fcdpo.tasks.base import Task
from fcdpo.tools import FINAL_ANSWER, ToolError
from fcdpo.types import Problem


def task_tools(task: Task, problem: Problem) -> list[StructuredTool]:
    """The task's functions as LangChain tools for one problem (one shared workspace, as in fcdpo's graph).

    A bad call comes back to the model as the tool's error message; `final_answer` ends the agent.
    """
    workspace = task.new_workspace(problem)
    tools = []
    for function in task.all_functions():
        schema = function.json_schema()["function"]

        def run(_function=function, **args: Any) -> Any:
            try:
                return _function.run(args, workspace)
            except ToolError as exc:
                raise ToolException(f"Error: {exc}") from None

        tools.append(
            StructuredTool.from_function(
                func=run,
                name=schema["name"],
                description=schema["description"],
                args_schema=schema["parameters"],
                handle_tool_error=True,
                return_direct=function.name == FINAL_ANSWER,
            )
        )
    return tools


def run_agent(
    question: str, base_url: str, model: str = "student", task: str = "math", max_steps: int = 8, api_key: str = "none"
) -> dict[str, Any]:
    """Solve one question with the stock agent; the answer given to final_answer, or None, and the messages."""
    chosen = get_task(task)
    problem = Problem(id="q", task=task, question=question)
    llm = ChatOpenAI(base_url=base_url, api_key=api_key, model=model, temperature=0, max_tokens=160, max_retries=0)
    agent = create_agent(llm, task_tools(chosen, problem))
    messages: list = []
    try:
        # Each step is a model turn plus a tool turn; the last state seen is kept if the bound is hit.
        for state in agent.stream(
            {"messages": [("user", question)]}, {"recursion_limit": 2 * max_steps + 1}, stream_mode="values"
        ):
            messages = state["messages"]
    except GraphRecursionError:
        return {"answer": None, "messages": messages, "finished": False}
    last = messages[-1]
    finished = isinstance(last, ToolMessage) and last.name == FINAL_ANSWER and last.status != "error"
    return {"answer": str(last.content) if finished else None, "messages": messages, "finished": finished}


def main() -> None:
    """Solve one question and print the agent's calls, its answer and, given the truth, the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="an OpenAI-compatible server, e.g. `fcdpo serve`")
    parser.add_argument("--model", default="student", help="the model name the server expects")
    parser.add_argument("--task", default="math", help="math, logic, or a plug-in task")
    parser.add_argument("--question", default="A pen costs $3. How much do 4 pens cost?")
    parser.add_argument("--answer", help="the right answer, to grade with the task's grader")
    parser.add_argument("--max-steps", type=int, default=8)
    args = parser.parse_args()

    outcome = run_agent(args.question, args.base_url, args.model, args.task, args.max_steps)
    for message in outcome["messages"]:
        for call in getattr(message, "tool_calls", None) or []:
            print(f"call   {call['name']}({call['args']})")
        if isinstance(message, ToolMessage):
            print(f"result {message.content}")
    print(f"answer {outcome['answer']}")
    if args.answer is not None:
        right = outcome["finished"] and get_task(args.task).check(outcome["answer"], args.answer)
        print(f"verdict {'correct' if right else 'incorrect'}")


if __name__ == "__main__":
    main()
