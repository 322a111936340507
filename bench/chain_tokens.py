"""Where agent chains' tokens go, and the fastest any engine could run them at given prefill and decode rates.

    python bench/chain_tokens.py runs/EVAL/traces/*/traces.jsonl [--prefill 168 --decode 20]

Each step of a chain re-sends the whole conversation. Per traces file this counts, with the model's
own chat template: the prompt tokens re-sent over all steps; the tokens still to prefill when each
chain reuses its own KV cache (the first prompt, then what is new at each step); how many of those
are system prompts, which chains of one task share; and the tokens decoded. With the system prompt
prefilled once per distinct prompt, what is left is the work no cache removes: its time at the given
rates (tokens/s, measured elsewhere, e.g. `make bench`) is a floor on the wall time of those chains.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def chain_tokens(traces_file: Path, tokenizer) -> dict[str, int]:
    """Token counts of every chain in one traces file (see the module docstring)."""
    from langchain_core.messages import convert_to_openai_messages, messages_from_dict

    def count(messages, **options) -> int:
        text = tokenizer.apply_chat_template(messages, tokenize=False, **options)
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    totals = {"chains": 0, "steps": 0, "resent": 0, "new": 0, "system": 0, "decoded": 0}
    systems: dict[str, int] = {}
    for line in traces_file.read_text().splitlines():
        messages = convert_to_openai_messages(messages_from_dict(json.loads(line)["messages"]))
        totals["chains"] += 1
        seen = 0  # tokens of the conversation this chain's cache already holds
        for index, message in enumerate(messages):
            if message["role"] != "assistant":
                continue
            prompt = count(messages[:index], add_generation_prompt=True)
            with_reply = count(messages[: index + 1])
            totals["steps"] += 1
            totals["resent"] += prompt
            totals["new"] += prompt - seen
            totals["decoded"] += with_reply - prompt
            seen = with_reply
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
        if system not in systems:  # chains of one task share it: count it once
            systems[system] = count(messages[:1]) if system else 0
        totals["system"] += systems[system]
    totals["distinct_system"] = sum(systems.values())
    totals["irreducible_prefill"] = totals["new"] - totals["system"] + totals["distinct_system"]
    return totals


def main() -> None:
    """Print the counts of each traces file and, given rates, the wall-time floor of its chains."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+", type=Path)
    parser.add_argument("--tokenizer", default="qwen2.5-coder-0.5b", help="model spec whose chat template counts")
    parser.add_argument("--prefill", type=float, help="prefill rate, tokens/s")
    parser.add_argument("--decode", type=float, help="decode rate, tokens/s (all chains together)")
    args = parser.parse_args()

    from transformers import AutoTokenizer

    from fcdpo.models.specs import local_weights

    tokenizer = AutoTokenizer.from_pretrained(local_weights(args.tokenizer)[0])
    for path in args.traces:
        counts = chain_tokens(path, tokenizer)
        print(f"{path}: {json.dumps(counts)}")
        if args.prefill and args.decode:
            floor = counts["irreducible_prefill"] / args.prefill + counts["decoded"] / args.decode
            print(f"  floor at {args.prefill:g} prefill / {args.decode:g} decode tokens/s: {floor:.0f} s")


if __name__ == "__main__":
    main()
