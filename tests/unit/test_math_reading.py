"""The reading templates: answers recomputed through the real tools, every number either in the text or implied by
a word of it, several sentences each, and a new-template split with the math task's prompt.
"""

from __future__ import annotations

import random
import re
from fractions import Fraction

import pytest

from fcdpo.graphs.prompts import system_prompt
from fcdpo.tasks import get_task
from fcdpo.tasks.math import MathTask, solve_steps
from fcdpo.tasks.math_reading_templates import READING_TEMPLATES
from fcdpo.tasks.math_templates import Ref

# A number a solution uses that the text does not write must be implied by one of these words in it.
IMPLIED = {
    1.5: ("one and a half",),
    2: ("twice", "half", "back", "weekend", "around", "first two"),
    3: ("three", "third"),
    4: ("quarter", "four"),
    5: ("weekday", "fifths"),
    7: ("week",),
    12: ("dozen", "year"),
    60: ("hour",),
    100: ("100", "%"),
    1000: ("kilogram", "liter"),
}


def test_at_least_forty_templates_of_several_sentences():
    assert len(READING_TEMPLATES) >= 40
    for name, template in READING_TEMPLATES.items():
        question = template(random.Random(0)).question
        assert len(re.findall(r"[.?](?:\s|$)", question)) >= 2, name


@pytest.mark.parametrize("name", sorted(READING_TEMPLATES))
def test_reading_truth_recomputed_through_the_tools_from_written_or_implied_numbers(name):
    functions = MathTask().functions
    for seed in range(200):
        generated = READING_TEMPLATES[name](random.Random(seed))
        words = generated.question.lower()
        for _, args in generated.solution:
            for arg in args:
                if isinstance(arg, Ref) or re.search(rf"(?<![\d.]){re.escape(str(arg))}(?![\d])", words):
                    continue
                assert any(cue in words for cue in IMPLIED.get(arg, ())), (arg, generated.question)
        _, value = solve_steps(generated.solution, functions)
        assert Fraction(str(value)) == pytest.approx(generated.answer, abs=1e-9), generated.question
        assert generated.answer > 0


def test_math_reading_holds_out_whole_templates_and_prompts_as_math_does():
    task = get_task("math-reading")
    train, test = task.problems("train", 200), task.problems("test", 100)
    held_out = task.held_out_groups()
    assert len(held_out) >= 0.25 * len(READING_TEMPLATES)
    assert {p.meta["template"] for p in test} == held_out
    assert not {p.meta["template"] for p in train} & held_out
    for problem in train[:50]:
        *_, answer = task.reference_calls(problem)
        assert task.check(answer.removeprefix("final_answer(answer=").removesuffix(")"), problem.answer)
    for call_format in ("text", "native"):
        assert system_prompt(task, call_format) == system_prompt(get_task("math"), call_format)
