"""The function-calling agent: `build_graph()` for apps, `solve()` for one problem."""

from fcdpo.graphs.context import Context
from fcdpo.graphs.graph import build_graph
from fcdpo.graphs.run import solve

__all__ = ["Context", "build_graph", "solve"]
