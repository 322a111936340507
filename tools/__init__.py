"""Callable functions: arithmetic, the logic rule engine, and control (think, final_answer)."""

from fcdpo.tools.arithmetic import ARITHMETIC
from fcdpo.tools.base import Function, Signature, ToolError
from fcdpo.tools.control import CONTROL, FINAL_ANSWER
from fcdpo.tools.logic import LOGIC, RuleBase

__all__ = ["ARITHMETIC", "CONTROL", "FINAL_ANSWER", "LOGIC", "Function", "RuleBase", "Signature", "ToolError"]
