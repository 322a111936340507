"""`fcdpo train` settings: precedence onto DPOConfig / LoraConfig, and one-line errors for bad configs."""

from __future__ import annotations

import pytest

from fcdpo.cli import main
from fcdpo.errors import UserError
from fcdpo.training.train_config import build, resolve


def test_defaults_yaml_and_flags_in_order(tmp_path):
    user = tmp_path / "my.yaml"
    user.write_text("dpo:\n  beta: 0.3\n  learning_rate: 1.0e-4\nlora:\n  r: 8\n")
    settings = resolve(user, {"dpo": {"learning_rate": 2e-4, "max_steps": 7}})
    assert settings["dpo"]["beta"] == 0.3  # from the user's YAML
    assert settings["dpo"]["learning_rate"] == 2e-4  # a flag beats the YAML
    assert settings["dpo"]["max_steps"] == 7 and settings["lora"]["r"] == 8
    assert settings["lora"]["lora_alpha"] == 32  # untouched default
    dpo, lora = build(settings, tmp_path / "out", cuda=False)
    assert (dpo.beta, dpo.learning_rate, dpo.max_steps, dpo.bf16) == (0.3, 2e-4, 7, False)
    assert lora.r == 8 and dpo.output_dir == str(tmp_path / "out")


@pytest.mark.parametrize(
    "text, message",
    [
        ("dpo:\n  betta: 0.1\n", "unknown key dpo.betta"),
        ("dpo:\n  learning_rate: fast\n", "dpo.learning_rate must be a number"),
        ("lora:\n  r: [1]\n", "lora.r must be an integer"),
        ("dpo:\n  bf16: true\n", "dpo.bf16 is set by fcdpo train itself"),
        ("lora:\n  layers_to_transform: 1\n", None),  # None default: not type-checked here, PEFT decides
        ("trainer:\n  x: 1\n", "unknown section 'trainer'"),
        ("dpo: [1, 2]\n", "section 'dpo' must be a mapping"),
        ("dpo: {beta: 0.1\n", "not valid YAML"),
    ],
)
def test_bad_yaml_names_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    if message is None:
        resolve(path, {})
        return
    with pytest.raises(UserError, match=message):
        resolve(path, {})


def test_cli_config_errors_are_one_line(tmp_path, capsys):
    pairs = tmp_path / "pairs"
    pairs.mkdir()
    bad = tmp_path / "bad.yaml"
    bad.write_text("dpo:\n  betta: 0.1\n")
    assert main(["train", "--pairs", str(pairs), "--out", str(tmp_path / "s"), "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown key dpo.betta" in err and err.count("\n") == 1
    assert main(["train", "--pairs", str(tmp_path / "missing"), "--out", str(tmp_path / "s")]) == 2
    assert "--pairs" in capsys.readouterr().err
    assert (
        main(["train", "--pairs", str(pairs), "--out", str(tmp_path / "s"), "--config", str(tmp_path / "none.yaml")])
        == 2
    )
    assert "no such config file" in capsys.readouterr().err
    assert main(["merge", str(tmp_path / "nothing"), "--out", str(tmp_path / "m")]) == 2
    assert "not a finished" in capsys.readouterr().err
