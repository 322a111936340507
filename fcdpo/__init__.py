"""fcdpo: teach small language models to reason with function calls.

The thin shell of the project: CLI, model registry and loading, shared types. The pipeline's
stages live in the subpackages `fcdpo.graphs`, `fcdpo.tools`, `fcdpo.tasks`,
`fcdpo.training` and `fcdpo.evals`.
"""

__version__ = "0.1.0"
