"""An OpenAI-compatible chat API over a LangChain chat model, speaking tool calls.

Agent apps built on `ChatOpenAI(base_url=...).bind_tools(...)` (a `create_react_agent`, their own
`StateGraph`) send `tools` and expect `tool_calls` back. A small student rarely writes a chat
template's native tool-call format, but it was trained to write fcdpo's text protocol
(`multiply(a=14, b=12)`), so by default (`call_format="text"`) the request is translated into the
conversation the student saw in training and its reply back into OpenAI's shape:

- the request's tools become the protocol's system prompt (one line per function, with an example
  call), after the app's own system message;
- earlier assistant `tool_calls` become the call text the student wrote, `tool` results become
  `Result: ...` turns;
- the reply is parsed by the graph's own parser; its first call comes back as `tool_calls`, any
  other reply as plain content.

With `call_format="native"` the tools go to the chat template instead (for students trained with
it). Requests without tools are plain chat. The handler is sync on purpose: FastAPI runs it in its
thread pool, so concurrent requests reach one model copy together and its micro-batcher decodes
them in shared steps.

    app = create_app(load_chat_model("smollm2-135m"), name="smollm2-135m")
    uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, ConfigDict, Field

from fcdpo.models.local_chat import LocalChatModel
from fcdpo.tools.base import Function, Signature, ToolError
from fcdpo.tools.control import CONTROL, FINAL_ANSWER
from fcdpo.tools.plugin import placeholder_call, schema_line
from fcdpo.tools.protocol import RESULT_PREFIX, Call, parse_call, protocol_prompt

MAX_TOKENS_CAP = 4096  # a request cannot make the server decode for ever
MAX_THOUGHTS = 4  # `think` calls the server answers itself before the model must call something


class ApiError(Exception):
    """A bad request, answered as OpenAI's `{"error": {...}}` with a 4xx status."""

    def __init__(self, message: str, status: int = 400, param: str | None = None, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.param, self.kind = status, param, kind


class ChatRequest(BaseModel):
    """The fields of `/v1/chat/completions` this server reads; others are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    messages: list[dict[str, Any]] = Field(min_length=1)
    model: str | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    seed: int | None = None
    stop: str | list[str] | None = None
    stream: bool = False


def _text(content: Any) -> str:
    """OpenAI content (a string, null, or a list of text parts) as text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    raise ApiError("message content must be a string or a list of text parts", param="messages")


def _schemas(tools: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """The request's function schemas by name; a malformed tool is a 400."""
    out = {}
    for i, tool in enumerate(tools or []):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type", "function") != "function" or not isinstance(fn, dict) or not fn.get("name"):
            raise ApiError(f"tools[{i}] must be {{'type': 'function', 'function': {{'name': ...}}}}", param="tools")
        out[fn["name"]] = fn
    return out


def _history(messages: list[dict[str, Any]], tools: dict[str, dict[str, Any]]) -> list[BaseMessage]:
    """The request's messages as LangChain messages; calls to unknown tools and bad JSON are 400s."""
    out: list[BaseMessage] = []
    for i, message in enumerate(messages):
        role = message.get("role")
        content = _text(message.get("content"))
        if role in ("system", "developer"):
            out.append(SystemMessage(content))
        elif role == "user":
            out.append(HumanMessage(content))
        elif role == "assistant":
            calls = []
            for call in message.get("tool_calls") or []:
                fn = call.get("function") or {}
                if fn.get("name") not in tools:
                    raise ApiError(
                        f"messages[{i}] calls {fn.get('name')!r}, which is not among the tools", param="messages"
                    )
                try:
                    args = json.loads(fn.get("arguments") or "{}")
                except (TypeError, json.JSONDecodeError):
                    raise ApiError(
                        f"messages[{i}]: tool call arguments are not valid JSON", param="messages"
                    ) from None
                calls.append({"name": fn["name"], "args": args, "id": call.get("id") or _call_id()})
            out.append(AIMessage(content, tool_calls=calls))
        elif role == "tool":
            out.append(ToolMessage(content, tool_call_id=str(message.get("tool_call_id") or "")))
        else:
            raise ApiError(f"messages[{i}] has unknown role {role!r}", param="messages")
    return out


@dataclass(frozen=True)
class Protocol:
    """What the text protocol's system prompt says beyond the request's tools.

    `fcdpo serve --task T` fills these from the task the student was trained on, so the prompt is
    the training prompt: its kind of problem and its worked chains.
    """

    kind: str = "the user's request"
    examples: str = ""


def _functions(tools: dict[str, dict[str, Any]]) -> tuple[list[str], dict[str, Signature], dict[str, Function]]:
    """Prompt lines and signatures of the request's tools, plus the protocol's own `think` and
    `final_answer` where the app has none (the student learned to use them; the server answers them).
    """
    lines, signatures = [], {}
    for name, fn in tools.items():
        parameters = fn.get("parameters") or {}
        description = " ".join((fn.get("description") or "").split())  # one line per function
        if "Example:" not in description:
            description = f"{description} Example: {placeholder_call(name, parameters)}".strip()
        lines.append(schema_line(name, parameters, description))
        signatures[name] = Signature.from_json_schema(fn)
    control = {f.name: f for f in CONTROL if f.name not in tools}
    lines += [f.render() for f in control.values()]
    signatures.update({name: f.signature for name, f in control.items()})
    return lines, signatures, control


def as_text_protocol(
    history: list[BaseMessage], tools: dict[str, dict[str, Any]], protocol: Protocol = Protocol()
) -> list[BaseMessage]:
    """The conversation as a student trained on fcdpo's text protocol saw its chains."""
    lines = _functions(tools)[0]
    example = lines[0].split(" Example: ", 1)[1]
    system = protocol_prompt(protocol.kind, lines, example, protocol.examples).rstrip()
    own = "\n\n".join(str(m.content) for m in history if isinstance(m, SystemMessage))
    out: list[BaseMessage] = [SystemMessage(f"{own}\n\n{system}" if own else system)]
    for message in history:
        if isinstance(message, AIMessage) and message.tool_calls:
            call = message.tool_calls[0]
            out.append(AIMessage(Call(call["name"], call["args"]).render()))
        elif isinstance(message, ToolMessage):
            text = str(message.content)
            seen = text if text.startswith((RESULT_PREFIX, "Error:")) else f"{RESULT_PREFIX} {text}"
            out.append(HumanMessage(seen))
        elif not isinstance(message, SystemMessage):
            out.append(message)
    return out


def _text_protocol_reply(
    llm: BaseChatModel,
    history: list[BaseMessage],
    tools: dict[str, dict[str, Any]],
    stop: list[str],
    protocol: Protocol,
) -> AIMessage:
    """The model's next call in the text protocol, as OpenAI `tool_calls`, or its answer as content.

    `think` (when the app has none) is answered here with what the graph answers, and the model asked
    again; `final_answer` (when the app has none) becomes the reply's content, the answer itself.
    """
    _, signatures, control = _functions(tools)
    messages = as_text_protocol(history, tools, protocol)
    options = {"stop_after_call": list(signatures)} if isinstance(llm, LocalChatModel) else {}
    used = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    for _ in range(MAX_THOUGHTS + 1):
        # A model that goes on to invent the result is cut there, as in the agent graph.
        reply = llm.invoke(messages, stop=[*stop, f"\n{RESULT_PREFIX}"], **options)
        used = {k: used[k] + (reply.usage_metadata or {}).get(k, 0) for k in used}
        parsed = parse_call(reply.content, signatures)
        if not (isinstance(parsed, Call) and parsed.name in control and parsed.name != FINAL_ANSWER):
            break
        try:
            result = f"{RESULT_PREFIX} {control[parsed.name].run(parsed.args)}"
        except ToolError as exc:
            result = f"Error: {exc}"
        messages = [*messages, AIMessage(parsed.render()), HumanMessage(result)]
    meta = {"usage_metadata": used, "response_metadata": reply.response_metadata}
    if isinstance(parsed, Call) and parsed.name not in control:
        return AIMessage("", tool_calls=[{"name": parsed.name, "args": parsed.args, "id": _call_id()}], **meta)
    if isinstance(parsed, Call) and parsed.name == FINAL_ANSWER:  # the protocol's own: the answer is the reply
        return AIMessage(str(parsed.args.get("answer", "")).strip(), **meta)
    return AIMessage(reply.content, **meta)  # no call, or still thinking when the thoughts ran out


def _call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def _sampled(model: BaseChatModel, request: ChatRequest) -> BaseChatModel:
    """The model with the request's sampling settings, where it has such fields."""
    limit = request.max_completion_tokens or request.max_tokens
    wanted = {
        "temperature": request.temperature,
        "top_p": request.top_p,
        "seed": request.seed,
        "max_new_tokens": min(limit, MAX_TOKENS_CAP) if limit else None,  # none asked: the model's own default
    }
    fields = type(model).model_fields
    update = {k: v for k, v in wanted.items() if v is not None and k in fields}
    return model.model_copy(update=update) if update else model


def complete(
    model: BaseChatModel, request: ChatRequest, call_format: str = "text", protocol: Protocol = Protocol()
) -> tuple[AIMessage, str]:
    """Answer one request: the model's reply with its `tool_calls`, and OpenAI's finish reason."""
    use_tools = bool(request.tools) and request.tool_choice != "none"
    tools = _schemas(request.tools)
    history = _history(request.messages, tools)
    stop = [request.stop] if isinstance(request.stop, str) else list(request.stop or [])
    llm = _sampled(model, request)
    if use_tools and call_format == "native":
        options = {"stop_after_call": list(tools)} if isinstance(llm, LocalChatModel) else {}
        reply = llm.bind_tools(request.tools).invoke(history, stop=stop or None, **options)
    elif use_tools:
        reply = _text_protocol_reply(llm, history, tools, stop, protocol)
    else:
        reply = llm.invoke(history, stop=stop or None)
    if reply.tool_calls:
        return reply, "tool_calls"
    return reply, "length" if reply.response_metadata.get("finish_reason") == "length" else "stop"


def _message(reply: AIMessage) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content if not reply.tool_calls else None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.get("id") or _call_id(),
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call["args"])},
            }
            for call in reply.tool_calls
        ]
    return message


def _usage(reply: AIMessage) -> dict[str, int]:
    usage = reply.usage_metadata or {}
    prompt, completion = usage.get("input_tokens", 0), usage.get("output_tokens", 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _chunks(reply: AIMessage, finish: str, head: dict[str, Any]):
    """The reply as server-sent `chat.completion.chunk` events: role, content or calls, finish, [DONE]."""
    message = _message(reply)
    deltas = [{"role": "assistant", "content": ""}]
    if "tool_calls" in message:
        deltas.append({"tool_calls": [{"index": i, **call} for i, call in enumerate(message["tool_calls"])]})
    elif message["content"]:
        deltas.append({"content": message["content"]})
    for delta in deltas:
        yield f"data: {json.dumps({**head, 'choices': [{'index': 0, 'delta': delta, 'finish_reason': None}]})}\n\n"
    last = {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}], "usage": _usage(reply)}
    yield f"data: {json.dumps(last)}\n\n"
    yield "data: [DONE]\n\n"


def _error(status: int, message: str, kind: str = "invalid_request_error", param: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": param, "code": None}}, status_code=status
    )


def create_app(
    model: BaseChatModel,
    name: str,
    call_format: Literal["text", "native"] = "text",
    api_key: str | None = None,
    protocol: Protocol = Protocol(),
) -> FastAPI:
    """The FastAPI app: `/v1/chat/completions`, `/v1/models` and `/health` over one model copy."""
    app = FastAPI(title="fcdpo serve", description=f"{name} behind an OpenAI-compatible API")

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        return _error(400, f"{where or 'body'}: {first.get('msg', 'invalid request')}", param=where or None)

    @app.exception_handler(ApiError)
    def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, str(exc), exc.kind, exc.param)

    @app.middleware("http")
    async def check_key(request: Request, call_next):
        if api_key and request.url.path.startswith("/v1/"):
            if request.headers.get("authorization") != f"Bearer {api_key}":
                return _error(401, "invalid API key", "authentication_error")
        return await call_next(request)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "fcdpo"}]}

    @app.post("/v1/chat/completions")
    def chat_completions(request: ChatRequest):
        reply, finish = complete(model, request, call_format, protocol)
        head = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()), "model": name}
        if request.stream:
            return StreamingResponse(
                _chunks(reply, finish, {**head, "object": "chat.completion.chunk"}), media_type="text/event-stream"
            )
        choice = {"index": 0, "message": _message(reply), "finish_reason": finish}
        return {**head, "object": "chat.completion", "choices": [choice], "usage": _usage(reply)}

    return app
