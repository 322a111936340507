"""A LangChain chat model over a local model (transformers, or llama.cpp for `SPEC@llamacpp`).

Why our own: `ChatHuggingFace` over a local pipeline drops bound tools, never parses tool
calls and rejects ToolMessages (langchain issue #29033). This one renders the whole history
(system, user, assistant turns with their calls, tool results) through the tokenizer's chat
template, and `bind_tools` returns `AIMessage.tool_calls` parsed from the model's text by
the same parser the agent graph uses — so a tuned student drops into any LangChain app.

Generation goes through the loaded model's micro-batcher (`fcdpo.models.batching`) rather than
`model.generate`: concurrent calls share decode steps, while each keeps its own seeded
sampling and its own stops, which `generate` cannot give rows of one batch. On the llama.cpp backend
(`fcdpo.models.llamacpp`) the same rendered prompt goes to llama.cpp instead.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from fcdpo.models.loading import load_pretrained
from fcdpo.tools.base import Signature
from fcdpo.tools.protocol import Call, call_end, call_start, parse_call

_ONLY_TAGS = re.compile(r"\s*(?:(?:<[^<>]*>|```[\w-]*)\s*)*")  # tags and code fences: markup, not prose


def message_text(content: Any) -> str:
    """A message's content as text (content may be a list of parts)."""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def to_chat_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """LangChain messages as the role/content dicts chat templates expect."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            out.append({"role": "system", "content": message_text(message.content)})
        elif isinstance(message, HumanMessage):
            out.append({"role": "user", "content": message_text(message.content)})
        elif isinstance(message, AIMessage):
            turn: dict[str, Any] = {"role": "assistant", "content": message_text(message.content)}
            if message.tool_calls:
                turn["tool_calls"] = [
                    {"type": "function", "id": c.get("id"), "function": {"name": c["name"], "arguments": c["args"]}}
                    for c in message.tool_calls
                ]
            out.append(turn)
        elif isinstance(message, ToolMessage):
            out.append(
                {"role": "tool", "content": message_text(message.content), "tool_call_id": message.tool_call_id}
            )
        else:
            out.append({"role": "user", "content": message_text(message.content)})
    return out


def tools_as_text(tools: list[dict[str, Any]]) -> str:
    """Bound tools described in the text call protocol, for templates that ignore `tools=`."""
    lines = ["You can call these functions. To call one, reply with exactly one call such as name(arg=value):"]
    for tool in tools:
        fn = tool["function"]
        params = ", ".join(fn.get("parameters", {}).get("properties", {}))
        lines.append(f"- {fn['name']}({params}): {fn.get('description', '')}")
    return "\n".join(lines)


def with_tools_described(chat: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation with the tools described in its (single) system turn."""
    text = tools_as_text(tools)
    if chat and chat[0]["role"] == "system":
        return [{"role": "system", "content": f"{chat[0]['content']}\n\n{text}"}, *chat[1:]]
    return [{"role": "system", "content": text}, *chat]


class LocalChatModel(BaseChatModel):
    """Chat model over a local causal LM; greedy at temperature 0, sampling otherwise."""

    # transformers weights; on llama.cpp, the dir of the tokenizer whose chat template renders prompts
    model_path: str | None
    adapter: str | None = None
    backend: str = "transformers"  # or "llamacpp"
    gguf_file: str | None = None  # the weights llama.cpp decodes
    spec: str = ""
    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 256
    seed: int | None = None
    reuse_prefix: bool = True  # start from the KV cache of an earlier call sharing the prompt's prefix

    @property
    def _llm_type(self) -> str:
        return "fcdpo-local"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "backend": self.backend,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_new_tokens": self.max_new_tokens,
        }

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any):
        """Bind tools (LangChain tools, functions or OpenAI schemas); calls come back as `tool_calls`."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        tools: list[dict[str, Any]] | None = None,
        stop_after_call: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Generate one reply; `stop_after_call` (function names) ends it at the first complete call.

        The protocol is one call per reply and the parser reads only the first call, so what a
        small model rambles on with after it is never used; not generating it saves most of a
        step's decode time.
        """
        lm = self._engine()
        chat = to_chat_dicts(messages)
        if tools and not lm.renders_tools:
            chat = with_tools_described(chat, tools)
        tokenizer = lm.tokenizer
        prompt = tokenizer.apply_chat_template(
            chat, tools=tools if lm.renders_tools else None, add_generation_prompt=True, return_dict=True
        )["input_ids"]
        names = set(stop_after_call or ())

        def should_stop(tokens: list[int]) -> bool:
            text = tokenizer.decode(tokens, skip_special_tokens=True)
            return any(marker in text for marker in stop or ()) or bool(names and call_end(text, names) is not None)

        tokens, finish = lm.complete(
            prompt,
            max_new_tokens=kwargs.get("max_new_tokens", self.max_new_tokens),
            temperature=self.temperature,
            top_p=self.top_p,
            seed=self._call_seed(prompt),
            reuse_prefix=self.reuse_prefix,
            should_stop=should_stop if stop or names else None,
        )
        text = tokenizer.decode(tokens, skip_special_tokens=True)
        for marker in stop or []:
            if marker in text:
                text = text[: text.index(marker)]
        tool_calls = []
        if tools:
            parsed = parse_call(text, {t["function"]["name"]: Signature.from_json_schema(t) for t in tools})
            if isinstance(parsed, Call):
                if lm.renders_tools:
                    # The template writes the call from `tool_calls` when it renders this turn again (history,
                    # training pairs); left in the content too, the call would be there twice. Only prose
                    # before the call stays; a stray tag or fence there (`<tool_response>`, ```json) is not prose.
                    text = text[: call_start(text, parsed.name) or 0]
                    if _ONLY_TAGS.fullmatch(text):
                        text = ""
                tool_calls = [
                    {
                        "name": parsed.name,
                        "args": parsed.args,
                        "id": f"call_{uuid.uuid4().hex[:12]}",
                        "type": "tool_call",
                    }
                ]
        message = AIMessage(
            content=text.strip(),
            tool_calls=tool_calls,
            usage_metadata={
                "input_tokens": len(prompt),
                "output_tokens": len(tokens),
                "total_tokens": len(prompt) + len(tokens),
            },
            response_metadata={"model_name": self.spec or self.model_path, "finish_reason": finish},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _engine(self):
        """The loaded weights this model generates with: transformers (default) or llama.cpp."""
        if self.backend == "llamacpp":
            from fcdpo.models.llamacpp import load_llamacpp

            return load_llamacpp(self.gguf_file, self.model_path, self.adapter)
        return load_pretrained(self.model_path, self.adapter)

    def _call_seed(self, prompt: list[int]) -> int:
        """A sampling seed fixed by (seed, prompt): reruns repeat, different seeds differ."""
        key = json.dumps([self.seed, prompt]).encode()
        return int.from_bytes(hashlib.sha256(key).digest()[:4], "little")
