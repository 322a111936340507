"""`fcdpo train`: DPO + LoRA on preference pairs with TRL's DPOTrainer."""

from __future__ import annotations

from fcdpo.commands.flags import add_fields
from fcdpo.errors import UserError
from fcdpo.models import DEFAULT_MODEL
from fcdpo.training.train_config import TrainFlags


def add_parser(commands) -> None:
    """Add `fcdpo train` to the subcommands."""
    train = commands.add_parser("train", help="DPO + LoRA on preference pairs (TRL DPOTrainer)")
    train.add_argument("--student", default=DEFAULT_MODEL, help=f"base model spec (default: {DEFAULT_MODEL})")
    train.add_argument("--pairs", required=True, metavar="PAIRS", help="`fcdpo export` output dir (or pairs.jsonl)")
    train.add_argument(
        "--out", required=True, metavar="RUN", help="run dir: adapter/, config.yaml, metrics.jsonl, loss.png"
    )
    train.add_argument(
        "--config", metavar="YAML", help="dpo: (DPOConfig fields) and lora: (LoraConfig fields) settings"
    )
    add_fields(train, TrainFlags)
    train.add_argument("--resume", action="store_true", help="continue from the last checkpoint in RUN")
    train.add_argument(
        "--allow-unmasked",
        action="store_true",
        help="train even where the chat template hides the student's turns (tool results are then scored too)",
    )
    train.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo train`."""
    from pathlib import Path

    from fcdpo.training.train import run_train
    from fcdpo.training.train_config import FLAGS

    flags = {flag: getattr(args, flag) for flag in FLAGS}
    if not Path(args.pairs).exists():
        raise UserError(f"--pairs {args.pairs}: no such file or dir")
    summary = run_train(
        args.student,
        Path(args.pairs),
        Path(args.out),
        Path(args.config) if args.config else None,
        flags,
        args.resume,
        args.allow_unmasked,
    )
    resumed = f" (resumed from {summary['resumed_from']})" if summary["resumed_from"] else ""
    print(
        f"{args.out}: {summary['global_step']} steps on {summary['pairs_trained']} pairs{resumed}, "
        f"mean loss {summary['training_loss']:.4f}; adapter in {summary['adapter']}"
    )
    print(f"use it as: --model {args.student}+{summary['adapter']}")
    return 0
