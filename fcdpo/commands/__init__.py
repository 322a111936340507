"""One module per `fcdpo` subcommand: `add_parser(commands)` adds its flags, `run(args) -> int` runs it.

As in TRL's `trl/cli`: the CLI builds its parser from `COMMANDS`, and each parser's
`set_defaults(func=run)` dispatches, so a new command is one new module in this list.
"""

from fcdpo.commands import (
    dataset,
    evaluate,
    examples,
    export,
    generate,
    merge,
    models,
    pipeline,
    serve,
    solve,
    train,
)

COMMANDS = (models, solve, generate, export, train, evaluate, dataset, examples, pipeline, serve, merge)
