"""Teacher or student inside your own LangChain / LangGraph app.

    python examples/use_in_an_app.py                                   # the packaged default model
    python examples/use_in_an_app.py --model smollm2-135m+runs/demo/train/adapter
    python examples/use_in_an_app.py --model openai:NAME --base-url http://127.0.0.1:8000/v1   # e.g. `fcdpo serve`

1. The fcdpo solver graph with any model spec (what Studio runs).
2. The same model as a plain LangChain chat model with `bind_tools`: tool calls come back
   parsed in `AIMessage.tool_calls`, so it drops into any tool-calling agent.
"""

from __future__ import annotations

import argparse

from langchain_core.tools import tool

from fcdpo.graphs import Context, build_graph
from fcdpo.models import DEFAULT_MODEL, load_chat_model


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


def main() -> None:
    """Run both uses once and print what came back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="model spec")
    parser.add_argument("--base-url", help="server for openai: specs")
    args = parser.parse_args()

    graph = build_graph()  # the model comes from the run's context, as in Studio
    final = graph.invoke(
        {"question": "A pen costs $3. How much do 4 pens cost?", "answer": "12"},
        context=Context(model=args.model, task="math", max_steps=4, base_url=args.base_url),
    )
    print(f"graph: answer={final.get('final_answer')} verdict={final['verdict']} steps={len(final['steps'])}")

    llm = load_chat_model(args.model, max_new_tokens=48, base_url=args.base_url).bind_tools([multiply])
    reply = llm.invoke("Use the multiply function to compute 14 times 12.")
    print(f"chat model: tool_calls={reply.tool_calls} text={reply.content[:80]!r}")


if __name__ == "__main__":
    main()
