"""Flags come from the config dataclasses: a setting's name, default, choices and help are written once."""

from __future__ import annotations

import dataclasses

import pytest

from fcdpo.cli import make_parser
from fcdpo.graphs.context import Context
from fcdpo.training.train_config import FLAGS, TrainFlags, resolve


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


def test_train_flags_set_the_fields_they_name():
    args = _parse("train", "--pairs", "p", "--out", "o", "--lr", "0.001", "--lora-r", "4", "--precompute-ref")
    flags = {name: getattr(args, name) for name in FLAGS}
    assert set(FLAGS) == {spec.name for spec in dataclasses.fields(TrainFlags)}
    settings = resolve(None, flags)
    assert settings["dpo"]["learning_rate"] == 0.001
    assert settings["lora"]["r"] == 4
    assert settings["dpo"]["precompute_ref_log_probs"] is True
    # A flag not given leaves the defaults alone.
    assert resolve(None, {name: getattr(_parse("train", "--pairs", "p", "--out", "o"), name) for name in FLAGS}) == (
        resolve(None, {})
    )
