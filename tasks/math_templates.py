"""Multi-step arithmetic word problems written here (never taken from a benchmark's test split).

Each template draws numbers from a random generator and returns the question, the answer by
a direct formula, and a solution as a list of function calls. The two are derived separately
on purpose: tests run the solution through the real tools and compare it with the formula.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

NAMES = ["Maya", "Liam", "Sofia", "Noah", "Aisha", "Mateo", "Chen", "Olivia", "Ravi", "Emma", "Kofi", "Lena"]


@dataclass(frozen=True)
class Ref:
    """The result of an earlier solution step, by index."""

    step: int


@dataclass(frozen=True)
class Generated:
    """A template's output."""

    question: str
    answer: Fraction
    solution: list[tuple[str, tuple[Any, ...]]]  # (function name, positional arguments)


TEMPLATES: dict[str, Callable[[random.Random], Generated]] = {}


def template(fn: Callable[[random.Random], Generated]) -> Callable[[random.Random], Generated]:
    """Register a template under its function name."""
    TEMPLATES[fn.__name__] = fn
    return fn


F = Fraction


@template
def shopping(r):
    name, n, p, m, q = r.choice(NAMES), r.randint(2, 12), r.randint(2, 15), r.randint(2, 9), r.randint(1, 6)
    return Generated(
        f"{name} buys {n} notebooks at ${p} each and {m} pens at ${q} each. How many dollars does {name} spend?",
        F(n * p + m * q),
        [("multiply", (n, p)), ("multiply", (m, q)), ("add", (Ref(0), Ref(1)))],
    )


@template
def change(r):
    name, n, p = r.choice(NAMES), r.randint(2, 8), r.randint(3, 12)
    bill = r.choice([b for b in (20, 50, 100, 200) if b > n * p])
    return Generated(
        f"{name} buys {n} sandwiches that cost ${p} each and pays with a ${bill} bill. How much change in dollars "
        f"does {name} get?",
        F(bill - n * p),
        [("multiply", (n, p)), ("subtract", (bill, Ref(0)))],
    )


@template
def discount(r):
    price, pct = r.randrange(20, 400, 5), r.choice([10, 15, 20, 25, 30, 40, 50])
    item = r.choice(["jacket", "lamp", "bicycle helmet", "backpack", "pair of boots"])
    return Generated(
        f"A {item} costs ${price}. It is on sale for {pct}% off. What is the sale price in dollars?",
        F(price) - F(price * pct, 100),
        [("percent", (price, pct)), ("subtract", (price, Ref(0)))],
    )


@template
def sales_tax(r):
    n, p, tax = r.randint(2, 9), r.randint(4, 40), r.choice([5, 8, 10, 20])
    return Generated(
        f"A café sells {n} cakes at ${p} each. A sales tax of {tax}% is added to the total. How many dollars does "
        "the buyer pay?",
        F(n * p) * F(100 + tax, 100),
        [("multiply", (n, p)), ("percent", (Ref(0), tax)), ("add", (Ref(0), Ref(1)))],
    )


@template
def two_leg_trip(r):
    s1, h1, s2, h2 = r.randrange(30, 100, 5), r.randint(1, 5), r.randrange(30, 100, 5), r.randint(1, 4)
    return Generated(
        f"A bus drives at {s1} km/h for {h1} hours and then at {s2} km/h for {h2} hours. How many kilometers does "
        "it travel?",
        F(s1 * h1 + s2 * h2),
        [("multiply", (s1, h1)), ("multiply", (s2, h2)), ("add", (Ref(0), Ref(1)))],
    )


@template
def average_speed(r):
    t1, t2 = r.randint(1, 4), r.randint(1, 4)
    speed = r.randrange(20, 90, 5)
    d1 = r.randint(1, 2 * speed * t1 // 10) * 5
    d2 = speed * (t1 + t2) - d1
    if d2 <= 0:
        d1, d2 = speed * t1, speed * t2
    return Generated(
        f"A cyclist rides {d1} km in {t1} hours and then {d2} km in {t2} hours. What is the average speed in km/h "
        "over the whole ride?",
        F(d1 + d2, t1 + t2),
        [("add", (d1, d2)), ("add", (t1, t2)), ("divide", (Ref(0), Ref(1)))],
    )


@template
def sharing(r):
    name, k, each, keep = r.choice(NAMES), r.randint(2, 9), r.randint(3, 20), r.randint(1, 15)
    total = k * each + keep
    return Generated(
        f"{name} has {total} marbles, keeps {keep} and shares the rest equally among {k} friends. How many marbles "
        "does each friend get?",
        F(total - keep, k),
        [("subtract", (total, keep)), ("divide", (Ref(0), k))],
    )


@template
def minutes_worked(r):
    name, h, m, d = r.choice(NAMES), r.randint(1, 8), r.choice([10, 15, 20, 30, 45]), r.randint(2, 7)
    return Generated(
        f"{name} practices piano for {h} hours and {m} minutes every day for {d} days. How many minutes is that in "
        "total?",
        F((h * 60 + m) * d),
        [("multiply", (h, 60)), ("add", (Ref(0), m)), ("multiply", (Ref(1), d))],
    )


@template
def wages(r):
    name, w, h, k, e = r.choice(NAMES), r.randint(10, 35), r.randint(5, 40), r.randint(2, 6), r.randint(10, 150)
    return Generated(
        f"{name} earns ${w} per hour and works {h} hours a week for {k} weeks, then spends ${e} on a gift. How "
        "many dollars are left?",
        F(w * h * k - e),
        [("multiply", (w, h)), ("multiply", (Ref(0), k)), ("subtract", (Ref(1), e))],
    )


@template
def growth(r):
    pop, g = r.randrange(1000, 50000, 100), r.choice([2, 5, 10, 20])
    return Generated(
        f"A town has {pop} people. The population grows by {g}% each year. How many people live there after 2 years?",
        F(pop) * F(100 + g, 100) ** 2,
        [("percent", (pop, g)), ("add", (pop, Ref(0))), ("percent", (Ref(1), g)), ("add", (Ref(1), Ref(2)))],
    )


@template
def tiling(r):
    length, width, c = r.randint(2, 20), r.randint(2, 15), r.randint(3, 40)
    return Generated(
        f"A room is {length} meters long and {width} meters wide. Tiles cost ${c} per square meter. How many "
        "dollars do the tiles for the floor cost?",
        F(length * width * c),
        [("multiply", (length, width)), ("multiply", (Ref(0), c))],
    )


@template
def fencing(r):
    length, width, c = r.randint(5, 60), r.randint(5, 40), r.randint(2, 15)
    return Generated(
        f"A rectangular garden is {length} m by {width} m. Fencing costs ${c} per meter. How many dollars does it "
        "cost to fence the whole garden?",
        F(2 * (length + width) * c),
        [("add", (length, width)), ("multiply", (Ref(0), 2)), ("multiply", (Ref(1), c))],
    )


@template
def recipe(r):
    base, cups, times = r.randint(2, 6), r.randint(1, 5), r.randint(2, 6)
    return Generated(
        f"A recipe for {base} servings needs {cups} cups of flour. How many cups of flour are needed for "
        f"{base * times} servings?",
        F(cups * base * times, base),
        [("divide", (base * times, base)), ("multiply", (cups, Ref(0)))],
    )


@template
def savings_goal(r):
    name, s, weeks, have = r.choice(NAMES), r.randint(5, 40), r.randint(2, 30), r.randint(0, 100)
    goal = have + s * weeks
    return Generated(
        f"{name} wants to buy a ${goal} game console, has already saved ${have} and saves ${s} every week. How "
        "many weeks will it take?",
        F(goal - have, s),
        [("subtract", (goal, have)), ("divide", (Ref(0), s))],
    )


@template
def fuel_cost(r):
    per100, dist, price = r.randint(4, 12), r.randrange(100, 1000, 50), r.choice([1.5, 1.6, 1.8, 2, 2.2])
    return Generated(
        f"A car uses {per100} liters of fuel per 100 km. Fuel costs ${price} per liter. How many dollars does a "
        f"{dist} km trip cost?",
        F(per100 * dist, 100) * F(str(price)),
        [("divide", (dist, 100)), ("multiply", (Ref(0), per100)), ("multiply", (Ref(1), price))],
    )


@template
def inventory(r):
    stock, a, b, boxes, per = (
        r.randint(100, 500),
        r.randint(10, 80),
        r.randint(10, 80),
        r.randint(2, 8),
        r.choice([12, 20, 24, 25]),
    )
    return Generated(
        f"A shop has {stock} bottles. It sells {a} on Monday and {b} on Tuesday, then receives {boxes} boxes of "
        f"{per} bottles. How many bottles does it have now?",
        F(stock - a - b + boxes * per),
        [("subtract", (stock, a)), ("subtract", (Ref(0), b)), ("multiply", (boxes, per)), ("add", (Ref(1), Ref(2)))],
    )


@template
def ages(r):
    name, x, y, k = r.choice(NAMES), r.randint(4, 15), r.randint(1, 8), r.randint(2, 3)
    return Generated(
        f"{name} is {x} years old. {name}'s sister is {y} years older, and their aunt is {k} times as old as the "
        "sister. What is the sum of their three ages?",
        F(x + (x + y) + k * (x + y)),
        [("add", (x, y)), ("multiply", (k, Ref(0))), ("add", (x, Ref(0))), ("add", (Ref(2), Ref(1)))],
    )


@template
def reading(r):
    r1, d1, r2, d2 = r.randint(5, 30), r.randint(2, 7), r.randint(5, 40), r.randint(2, 7)
    pages = r1 * d1 + r2 * d2 + r.randint(10, 200)
    return Generated(
        f"A book has {pages} pages. Ana reads {r1} pages a day for {d1} days and then {r2} pages a day for {d2} "
        "days. How many pages are left?",
        F(pages - r1 * d1 - r2 * d2),
        [
            ("multiply", (r1, d1)),
            ("multiply", (r2, d2)),
            ("subtract", (pages, Ref(0))),
            ("subtract", (Ref(2), Ref(1))),
        ],
    )


@template
def bulk_order(r):
    per_box, boxes, c, ship = r.choice([6, 8, 10, 12, 24]), r.randint(2, 20), r.randint(5, 60), r.randint(5, 30)
    need = per_box * boxes
    return Generated(
        f"Pencils come in boxes of {per_box}. A school needs {need} pencils. Each box costs ${c} and shipping is "
        f"${ship}. How many dollars does the order cost?",
        F(need // per_box * c + ship),
        [("divide", (need, per_box)), ("multiply", (Ref(0), c)), ("add", (Ref(1), ship))],
    )


@template
def tickets(r):
    a, pa, c, pc, d = r.randint(1, 6), r.randint(10, 30), r.randint(1, 8), r.randint(5, 15), r.choice([10, 20, 25])
    return Generated(
        f"A family buys {a} adult tickets at ${pa} each and {c} child tickets at ${pc} each, and gets a {d}% group "
        "discount on the total. How many dollars do they pay?",
        F(a * pa + c * pc) * F(100 - d, 100),
        [
            ("multiply", (a, pa)),
            ("multiply", (c, pc)),
            ("add", (Ref(0), Ref(1))),
            ("percent", (Ref(2), d)),
            ("subtract", (Ref(2), Ref(3))),
        ],
    )


@template
def simple_interest(r):
    principal, rate, years = r.randrange(500, 20000, 500), r.choice([2, 3, 4, 5, 6]), r.randint(2, 10)
    return Generated(
        f"${principal} is deposited at {rate}% simple interest per year. How many dollars are in the account after "
        f"{years} years?",
        F(principal) + F(principal * rate * years, 100),
        [("percent", (principal, rate)), ("multiply", (Ref(0), years)), ("add", (principal, Ref(1)))],
    )


@template
def farm_legs(r):
    cows, hens = r.randint(2, 40), r.randint(2, 60)
    return Generated(
        f"A farm has {cows} cows and {hens} hens. How many legs do the animals have in total?",
        F(4 * cows + 2 * hens),
        [("multiply", (cows, 4)), ("multiply", (hens, 2)), ("add", (Ref(0), Ref(1)))],
    )


@template
def budget(r):
    income, rent, groceries, utilities, save = (
        r.randrange(2500, 6000, 100),
        r.randrange(700, 1500, 50),
        r.randrange(50, 150, 10),
        r.randrange(80, 250, 10),
        r.choice([10, 20, 25, 50]),
    )
    rest = income - (rent + 4 * groceries + utilities)
    return Generated(
        f"{r.choice(NAMES)} earns ${income} a month, pays ${rent} rent, ${groceries} for groceries each week for 4 "
        f"weeks, and ${utilities} for utilities, then saves {save}% of what remains. "
        "How many dollars are left to spend?",
        F(rest) * F(100 - save, 100),
        [
            ("multiply", (groceries, 4)),
            ("add", (rent, Ref(0))),
            ("add", (Ref(1), utilities)),
            ("subtract", (income, Ref(2))),
            ("percent", (Ref(3), save)),
            ("subtract", (Ref(3), Ref(4))),
        ],
    )


@template
def mean_temperature(r):
    mean = r.randint(5, 30)
    t1, t2 = mean + r.randint(-6, 6), mean + r.randint(-6, 6)
    t3 = 3 * mean - t1 - t2
    return Generated(
        f"The temperatures on three days were {t1}, {t2} and {t3} degrees. What was the average temperature?",
        F(t1 + t2 + t3, 3),
        [("add", (t1, t2)), ("add", (Ref(0), t3)), ("divide", (Ref(1), 3))],
    )


@template
def square_garden(r):
    side, beds = r.randint(3, 30), r.randint(2, 6)
    area = side * side * beds
    return Generated(
        f"A park has {beds} identical square flower beds with a total area of {area} square meters. How many "
        "meters long is the side of one bed?",
        F(side),
        [("divide", (area, beds)), ("sqrt", (Ref(0),))],
    )


@template
def packing(r):
    hens, each, per_box = r.randint(3, 40), r.randint(2, 7), r.choice([6, 10, 12])
    return Generated(
        f"A farmer has {hens} hens that each lay {each} eggs. The eggs are packed into cartons of {per_box}. How "
        "many eggs are left over after filling as many full cartons as possible?",
        F(hens * each % per_box),
        [("multiply", (hens, each)), ("modulo", (Ref(0), per_box))],
    )


def answer_text(value: Fraction) -> str:
    """An exact answer as short text: `12`, `12.5`, `1323.0025`."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.6f}".rstrip("0").rstrip(".")
