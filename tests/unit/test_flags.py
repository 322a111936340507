"""Flags come from the config dataclasses: a setting's name, default, choices and help are written once."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from fcdpo.cli import make_parser
from fcdpo.commands.train import overrides
from fcdpo.graphs.context import Context
from fcdpo.training.train_config import SET_BY_TRAIN, resolve


def _parse(*argv: str):
    return make_parser().parse_args(list(argv))


def test_solve_flags_are_the_graph_context():
    """Every Context field (what Studio shows) is a solve flag with the Context default."""
    args = _parse("solve", "--sample", "1")
    for spec in dataclasses.fields(Context):
        assert getattr(args, spec.name) == getattr(Context(), spec.name), spec.name
    args = _parse("solve", "q", "--call-format", "native", "--check-grounding", "--top-p", "0.5", "--task", "logic")
    assert (args.call_format, args.check_grounding, args.top_p, args.task) == ("native", True, 0.5, "logic")


def test_literal_field_limits_choices_and_description_is_help(capsys):
    with pytest.raises(SystemExit) as exc:
        _parse("solve", "q", "--call-format", "json")
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    solve = next(
        action.choices["solve"] for action in make_parser()._subparsers._group_actions if "solve" in action.choices
    )
    helps = {action.dest: action.help for action in solve._actions}
    assert helps["top_p"].startswith(Context.__dataclass_fields__["top_p"].metadata["description"])


def _train(*argv: str):
    argv = ["train", "--pairs", "p", "--out", "o", *argv]
    return make_parser(argv).parse_args(argv)


def test_every_dpo_and_lora_field_is_a_train_flag_with_the_libraries_help(capsys):
    from peft import LoraConfig
    from trl import DPOConfig

    train = next(a for a in make_parser(["train"])._actions if isinstance(a, argparse._SubParsersAction))
    dests = {action.dest: action for action in train.choices["train"]._actions}
    for section, cls in (("dpo", DPOConfig), ("lora", LoraConfig)):
        for spec in dataclasses.fields(cls):
            if spec.init and spec.name not in SET_BY_TRAIN[section]:
                action = dests[f"{section}.{spec.name}"]
                assert action.help.startswith(spec.metadata["help"]), spec.name
    assert "dpo.output_dir" not in dests  # --out sets it
    # TRL's own spelling works too, and the help shows our default where defaults.yaml replaces TRL's.
    assert _train("--learning_rate", "0.01") == _train("--learning-rate", "0.01") == _train("--lr", "0.01")
    assert "(default: 5e-05)" in dests["dpo.learning_rate"].help


def test_train_flags_override_the_fields_they_name_and_nothing_else():
    args = _train("--lr", "0.001", "--lora-r", "4", "--precompute-ref", "--no-activation-checkpointing",
                  "--lora-target-modules", "[q_proj, v_proj]", "--lr-scheduler-type", "cosine",
                  "--loss-type", "[sigmoid, sft]", "--lora-bias", "lora_only")  # fmt: skip
    given = overrides(args)
    assert given == {
        "dpo": {
            "learning_rate": 0.001,
            "precompute_ref_log_probs": True,
            "activation_checkpointing": False,
            "lr_scheduler_type": "cosine",
            "loss_type": ["sigmoid", "sft"],
        },
        "lora": {"r": 4, "target_modules": ["q_proj", "v_proj"], "bias": "lora_only"},
    }
    settings = resolve(None, given)
    assert settings["dpo"]["learning_rate"] == 0.001 and settings["lora"]["r"] == 4
    assert settings["lora"]["lora_alpha"] == 32  # not given: the default stays
    assert overrides(_train()) == {} and resolve(None, overrides(_train())) == resolve(None)


def test_a_bad_train_flag_value_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        _train("--lora-r", "four")
    assert exc.value.code == 2
    assert "--lora-r: invalid int value: 'four'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _train("--lora-bias", "some")  # LoraConfig's Literal['none', 'all', 'lora_only']
    assert "--lora-bias: invalid choice: 'some'" in capsys.readouterr().err
