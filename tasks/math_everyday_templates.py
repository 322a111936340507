"""More word problems that must be read, in the shapes of everyday arithmetic, written here (never taken from a
benchmark's test split): change from a bill, averages, a discount then a tax, profit after costs, rates and
times, ratios, rectangles, shares of a cost, pay with overtime, simple interest, capacity left over.

Like `math_reading_templates`, each spreads the problem over several sentences, some with a number that does not
matter or a quantity only a word implies (four walls, one and a half times, minutes in an hour), and returns the
answer by a direct formula and, separately, its solution as function calls; the two are checked against each other
through the real tools by the tests. They join the `math-reading` task's templates (and its new-template split).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction as F

from fcdpo.tasks.math_templates import NAMES, Generated, Ref

EVERYDAY_TEMPLATES: dict[str, Callable[[random.Random], Generated]] = {}


def everyday(fn: Callable[[random.Random], Generated]) -> Callable[[random.Random], Generated]:
    """Register an everyday template under its function name."""
    EVERYDAY_TEMPLATES[fn.__name__] = fn
    return fn


@everyday
def change_from_bill(r):
    name, count, each, pen = r.choice(NAMES), r.randint(2, 5), r.randint(2, 7), r.randint(1, 4)
    return Generated(
        f"{name} buys {count} notebooks at ${each} each and one pen for ${pen}, and pays with a $50 bill. How many "
        "dollars of change come back?",
        F(50 - count * each - pen),
        [("multiply", (count, each)), ("add", (Ref(0), pen)), ("subtract", (50, Ref(1)))],
    )


@everyday
def average_points(r):
    name, first, second = r.choice(NAMES), r.randint(8, 30), r.randint(8, 30)
    third = r.choice([t for t in range(8, 31) if (first + second + t) % 3 == 0])
    return Generated(
        f"{name} played three basketball games this month, scoring {first} points in the first game, {second} "
        f"in the second and {third} in the third. How many points per game is that on average?",
        F(first + second + third, 3),
        [("add", (first, second)), ("add", (Ref(0), third)), ("divide", (Ref(1), 3))],
    )


@everyday
def sale_then_tax(r):
    price, off, tax = r.randrange(40, 200, 10), r.choice([10, 20, 25, 30, 50]), r.choice([5, 8, 10])
    sale = F(price) * F(100 - off, 100)
    return Generated(
        f"A jacket has a price tag of ${price}. The shop takes {off}% off the tag price. Then a sales tax of {tax}% "
        "is added to the reduced price. How many dollars does the jacket cost in the end?",
        sale * F(100 + tax, 100),
        [
            ("percent", (price, off)),
            ("subtract", (price, Ref(0))),
            ("percent", (Ref(1), tax)),
            ("add", (Ref(1), Ref(2))),
        ],
    )


@everyday
def market_profit(r):
    name, crates, sell, cost, stall = (
        r.choice(NAMES),
        r.randint(20, 60),
        r.randint(16, 30),
        r.randint(4, 11),
        r.randrange(20, 100, 5),
    )
    return Generated(
        f"{name} is a farmer who grows apples. Each crate costs ${cost} to grow and sells at the market for "
        f"${sell}. On Saturday {name} sold {crates} crates and paid ${stall} to rent a stall. How many dollars of "
        "profit did Saturday bring?",
        F(crates * (sell - cost) - stall),
        [("subtract", (sell, cost)), ("multiply", (Ref(0), crates)), ("subtract", (Ref(1), stall))],
    )


@everyday
def train_distance(r):
    speed, hours, stop, extra = r.randrange(60, 150, 10), r.randint(2, 5), r.randrange(10, 50, 5), r.randint(20, 90)
    return Generated(
        f"A train travels at {speed} kilometers per hour for {hours} hours. It then stops at a station for {stop} "
        f"minutes and afterwards travels another {extra} kilometers. How many kilometers does it travel in all?",
        F(speed * hours + extra),
        [("multiply", (speed, hours)), ("add", (Ref(0), extra))],
    )


@everyday
def ages_in_future(r):
    name, sister, times, years = r.choice(NAMES), r.randint(3, 12), r.choice([2, 3, 4]), r.randint(2, 10)
    return Generated(
        f"{name}'s sister is {sister} years old. {name}'s aunt is {times} times as old as the sister. In {years} "
        "years, what will be the sum of the sister's age and the aunt's age?",
        F(sister * times + years + sister + years),
        [("multiply", (sister, times)), ("add", (Ref(0), years)), ("add", (sister, years)), ("add", (Ref(1), Ref(2)))],
    )


@everyday
def money_left_quarter(r):
    name, money, lunch = r.choice(NAMES), 4 * r.randint(10, 60), r.randint(5, 15)
    return Generated(
        f"{name} had ${money} in a wallet and spent a quarter of it on books. Later {name} spent ${lunch} on lunch. "
        "How many dollars are left in the wallet?",
        F(money) - F(money, 4) - lunch,
        [("divide", (money, 4)), ("subtract", (money, Ref(0))), ("subtract", (Ref(1), lunch))],
    )


@everyday
def fence_cost(r):
    length, width, price = r.randint(5, 30), r.randint(3, 20), r.randint(4, 15)
    return Generated(
        f"A rectangular garden is {length} meters long and {width} meters wide. A fence is built all around it. "
        f"Fencing costs ${price} per meter. How many dollars does the fence cost?",
        F(2 * (length + width) * price),
        [("add", (length, width)), ("multiply", (Ref(0), 2)), ("multiply", (Ref(1), price))],
    )


@everyday
def floor_tiles(r):
    covers = r.choice([2, 3, 4, 5])
    length = covers * r.randint(2, 6)
    width, price = r.randint(3, 9), r.randint(20, 60)
    return Generated(
        f"A room is {length} meters long and {width} meters wide. One box of tiles covers {covers} square meters "
        f"and costs ${price}. How many boxes are needed to tile the whole floor?",
        F(length * width, covers),
        [("multiply", (length, width)), ("divide", (Ref(0), covers))],
    )


@everyday
def workers_days(r):
    workers, more = r.sample(range(2, 13), 2)
    days = more * r.randint(1, 4)
    return Generated(
        f"{workers} painters can paint a school in {days} days. Every painter works at the same pace. How many "
        f"days would {more} painters take to paint the same school?",
        F(workers * days, more),
        [("multiply", (workers, days)), ("divide", (Ref(0), more))],
    )


@everyday
def museum_buses(r):
    seats = r.choice([20, 25, 30, 40, 50])
    buses = r.randint(2, 6)
    teachers = r.randint(2, 8)
    students = buses * seats - teachers
    return Generated(
        f"A school takes {students} students and {teachers} teachers to a museum. Each bus holds {seats} people, "
        "and every seat is filled. How many buses do they use?",
        F(students + teachers, seats),
        [("add", (students, teachers)), ("divide", (Ref(0), seats))],
    )


@everyday
def recipe_scaling(r):
    servings = r.choice([2, 4, 5, 6])
    flour = servings * r.randint(20, 90)
    wanted = r.choice([w for w in range(3, 31) if w != servings])
    return Generated(
        f"A soup recipe for {servings} servings uses {flour} grams of lentils. A cook wants to make {wanted} "
        "servings for a party. How many grams of lentils does the cook need?",
        F(flour * wanted, servings),
        [("divide", (flour, servings)), ("multiply", (Ref(0), wanted))],
    )


@everyday
def phone_plan(r):
    name, base, extra, included = r.choice(NAMES), r.randint(15, 40), r.randint(2, 10), r.randint(2, 10)
    used = included + r.randint(1, 8)
    return Generated(
        f"{name}'s phone plan costs ${base} a month and includes {included} gigabytes of data. Each gigabyte beyond "
        f"that costs ${extra}. In March {name} used {used} gigabytes. How many dollars was the March bill?",
        F(base + (used - included) * extra),
        [("subtract", (used, included)), ("multiply", (Ref(0), extra)), ("add", (base, Ref(1)))],
    )


@everyday
def overtime_pay(r):
    name, rate, hours = r.choice(NAMES), 2 * r.randint(6, 20), 40 + r.randint(1, 12)
    return Generated(
        f"{name} is paid ${rate} an hour for the first 40 hours of a week, and one and a half times that rate for "
        f"every hour beyond 40. Last week {name} worked {hours} hours. How many dollars did {name} earn?",
        F(40 * rate) + F(3 * rate, 2) * (hours - 40),
        [
            ("multiply", (rate, 40)),
            ("subtract", (hours, 40)),
            ("multiply", (rate, 1.5)),
            ("multiply", (Ref(1), Ref(2))),
            ("add", (Ref(0), Ref(3))),
        ],
    )


@everyday
def simple_interest(r):
    name, principal, rate, years = (
        r.choice(NAMES),
        r.randrange(500, 5000, 100),
        r.choice([2, 3, 4, 5, 6]),
        r.randint(2, 6),
    )
    return Generated(
        f"{name} puts ${principal} in a savings account that pays {rate}% simple interest every year. No more "
        f"money is added. How many dollars are in the account after {years} years?",
        F(principal) + F(principal * rate, 100) * years,
        [("percent", (principal, rate)), ("multiply", (Ref(0), years)), ("add", (principal, Ref(1)))],
    )


@everyday
def fruit_ratio(r):
    apples, oranges = r.sample([1, 2, 3, 4, 5], 2)
    total = (apples + oranges) * r.randint(3, 15)
    return Generated(
        f"A basket holds only apples and oranges, {total} fruits in all. For every {apples} apples in the basket "
        f"there are {oranges} oranges. How many oranges are in the basket?",
        F(total * oranges, apples + oranges),
        [("add", (apples, oranges)), ("divide", (total, Ref(0))), ("multiply", (Ref(1), oranges))],
    )


@everyday
def movie_marathon(r):
    first, second, pause = r.randint(80, 150), r.randint(80, 150), r.choice([10, 15, 20])
    third = r.choice([t for t in range(80, 151) if (first + second + t + 2 * pause) % 30 == 0])  # whole or half hours
    return Generated(
        f"Friends watch three films in a row, lasting {first}, {second} and {third} minutes. They take a "
        f"{pause}-minute break after each of the first two films. How many hours does the whole marathon last?",
        F(first + second + third + 2 * pause, 60),
        [
            ("add", (first, second)),
            ("add", (Ref(0), third)),
            ("multiply", (pause, 2)),
            ("add", (Ref(1), Ref(2))),
            ("divide", (Ref(3), 60)),
        ],
    )


@everyday
def paint_walls(r):
    covers = r.choice([5, 8, 10, 12])
    wide, high = covers * r.randint(1, 3), r.randint(2, 4)
    return Generated(
        f"A square room has four walls, each {wide} meters wide and {high} meters high. One can of paint covers "
        f"{covers} square meters. How many cans are needed to paint all the walls once?",
        F(4 * wide * high, covers),
        [("multiply", (wide, high)), ("multiply", (Ref(0), 4)), ("divide", (Ref(1), covers))],
    )


@everyday
def shared_trip_cost(r):
    students, ticket = r.randint(10, 40), r.randint(5, 20)
    bus = students * r.randint(3, 12)
    return Generated(
        f"A class trip costs ${bus} for the bus plus ${ticket} per student for entry tickets. {students} students "
        "go, and they split the whole cost equally. How many dollars does each student pay?",
        F(bus + ticket * students, students),
        [("multiply", (ticket, students)), ("add", (bus, Ref(0))), ("divide", (Ref(1), students))],
    )


@everyday
def shirts_left(r):
    shirts, pct, tuesday = 20 * r.randint(5, 30), r.choice([10, 15, 20, 25, 40]), r.randint(3, 20)
    return Generated(
        f"A store had {shirts} shirts at the start of the week. On Monday it sold {pct}% of them. On Tuesday it sold "
        f"{tuesday} more. How many shirts were left?",
        F(shirts) - F(shirts * pct, 100) - tuesday,
        [("percent", (shirts, pct)), ("subtract", (shirts, Ref(0))), ("subtract", (Ref(1), tuesday))],
    )


@everyday
def elevator_boxes(r):
    people, weight, box = r.randint(2, 6), r.randint(60, 90), r.choice([10, 20, 25])
    limit = people * weight + box * r.randint(2, 12)
    return Generated(
        f"An elevator can carry at most {limit} kilograms. {people} people are inside, and they weigh {weight} "
        f"kilograms each on average. How many boxes of {box} kilograms each can still be loaded?",
        F(limit - people * weight, box),
        [("multiply", (people, weight)), ("subtract", (limit, Ref(0))), ("divide", (Ref(1), box))],
    )


@everyday
def printing_hours(r):
    speed = r.choice([10, 12, 15, 20, 30])
    pages = r.choice([10, 20, 25, 50])
    copies = r.choice([c for c in range(6, 121) if c * pages % (speed * 30) == 0])  # whole or half hours
    return Generated(
        f"An office printer prints {speed} pages per minute. A teacher prints {copies} copies of a {pages}-page "
        "report. How many hours does the printing take?",
        F(copies * pages, speed * 60),
        [("multiply", (copies, pages)), ("divide", (Ref(0), speed)), ("divide", (Ref(1), 60))],
    )
