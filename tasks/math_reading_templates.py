"""Word problems that must be read, not only computed, written here (never taken from a benchmark's test split).

The `math` templates state every number once in one sentence. These spread a problem over several sentences and
ask what people's word problems ask of a reader: quantities the text only implies (a dozen, the days of a week,
minutes in an hour, grams in a kilogram), relations in words (twice as many, half of the rest, five fewer), a
number that does not matter (a distractor), and a unit to convert. Each template returns the answer by a direct
formula and, separately, its solution as function calls; tests run the solution through the real tools.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction as F

from fcdpo.tasks.math_everyday_templates import EVERYDAY_TEMPLATES
from fcdpo.tasks.math_templates import NAMES, Generated, Ref

READING_TEMPLATES: dict[str, Callable[[random.Random], Generated]] = {}


def reading(fn: Callable[[random.Random], Generated]) -> Callable[[random.Random], Generated]:
    """Register a reading template under its function name."""
    READING_TEMPLATES[fn.__name__] = fn
    return fn


@reading
def weekly_shifts(r):
    name, days, hours, pay, weeks, years = (
        r.choice(NAMES),
        r.randint(3, 6),
        r.randint(4, 9),
        r.randint(12, 30),
        r.randint(2, 8),
        r.randint(2, 15),
    )
    return Generated(
        f"{name} has worked at a library for {years} years. She works {days} days a week, {hours} hours each day, "
        f"and is paid ${pay} an hour. How many dollars does she earn in {weeks} weeks?",
        F(days * hours * pay * weeks),
        [("multiply", (days, hours)), ("multiply", (Ref(0), pay)), ("multiply", (Ref(1), weeks))],
    )


@reading
def bakery_eggs(r):
    dozens, cakes = r.randint(2, 9), r.randint(10, 60)
    return Generated(
        f"A bakery bakes {cakes} cakes a day. To do so it uses {dozens} dozen eggs every day of the week. How many "
        "eggs does it use in one week?",
        F(dozens * 12 * 7),
        [("multiply", (dozens, 12)), ("multiply", (Ref(0), 7))],
    )


@reading
def marbles_relations(r):
    first, second, third, n, fewer = (*r.sample(NAMES, 3), r.randint(4, 30), r.randint(1, 6))
    return Generated(
        f"{first} has {n} marbles. {second} has twice as many marbles as {first}. {third} has {fewer} fewer "
        f"marbles than {second}. How many marbles do the three of them have together?",
        F(n + 2 * n + 2 * n - fewer),
        [
            ("multiply", (n, 2)),
            ("subtract", (Ref(0), fewer)),
            ("add", (n, Ref(0))),
            ("add", (Ref(2), Ref(1))),
        ],
    )


@reading
def cookies_left(r):
    name, cookies = r.choice(NAMES), 6 * r.randint(4, 30)
    return Generated(
        f"{name} baked {cookies} cookies for a fair. Half of them were sold in the morning. In the afternoon a "
        "third of the remaining cookies were sold. How many cookies were not sold?",
        F(cookies, 2) - F(cookies, 6),
        [("divide", (cookies, 2)), ("divide", (Ref(0), 3)), ("subtract", (Ref(0), Ref(1)))],
    )


@reading
def training_hours(r):
    name, weekday, saturday = r.choice(NAMES), r.randrange(15, 120, 15), r.randrange(30, 195, 15)
    return Generated(
        f"{name} trains for a race. She runs {weekday} minutes every weekday and {saturday} minutes on Saturday. "
        "She rests on Sunday. How many hours does she run in a week?",
        F(5 * weekday + saturday, 60),
        [("multiply", (weekday, 5)), ("add", (Ref(0), saturday)), ("divide", (Ref(1), 60))],
    )


@reading
def weekend_reading(r):
    name, pages, book = r.choice(NAMES), r.randint(5, 40), r.randint(200, 900)
    return Generated(
        f"{name} is reading a {book}-page novel. On each weekday he reads {pages} pages, and on each day of the "
        "weekend he reads twice as many pages as on a weekday. How many pages does he read in one week?",
        F(5 * pages + 2 * 2 * pages),
        [("multiply", (pages, 5)), ("multiply", (pages, 2)), ("multiply", (Ref(1), 2)), ("add", (Ref(0), Ref(2)))],
    )


@reading
def ticket_price_rise(r):
    price, rise, tickets = r.randrange(10, 80, 2), r.choice([5, 10, 20, 25, 50]), r.randint(2, 6)
    return Generated(
        f"Last year a concert ticket cost ${price}. This year the price went up by {rise}%. A family buys "
        f"{tickets} tickets this year. How many dollars do they pay?",
        F(price) * F(100 + rise, 100) * tickets,
        [("percent", (price, rise)), ("add", (price, Ref(0))), ("multiply", (Ref(1), tickets))],
    )


@reading
def tomato_rows(r):
    rows, per_row = r.randint(3, 12), r.randint(4, 16)
    eaten = r.choice([e for e in range(1, rows * per_row) if (rows * per_row - e) % 4 == 0][:12])
    return Generated(
        f"A garden has {rows} rows of plants with {per_row} plants in each row. Rabbits ate {eaten} of the plants. "
        "A quarter of the plants that are left are tomatoes. How many tomato plants are there?",
        F(rows * per_row - eaten, 4),
        [("multiply", (rows, per_row)), ("subtract", (Ref(0), eaten)), ("divide", (Ref(1), 4))],
    )


@reading
def class_teams(r):
    size = r.choice([3, 4, 5])
    students = 5 * size * r.randint(2, 6)
    return Generated(
        f"A class has {students} students. Three fifths of them are girls. The boys are split into teams of "
        f"{size}. How many teams of boys are there?",
        F(students - F(3 * students, 5), size),
        [
            ("multiply", (students, 3)),
            ("divide", (Ref(0), 5)),
            ("subtract", (students, Ref(1))),
            ("divide", (Ref(2), size)),
        ],
    )


@reading
def trip_fuel_cost(r):
    km, per_100, price = r.randrange(40, 400, 10), r.randint(5, 12), r.choice([1.5, 1.8, 2, 2.2, 2.5])
    return Generated(
        f"A car uses {per_100} liters of fuel for every 100 kilometers. Its driver goes to a city {km} kilometers "
        f"away and comes back the same way. Fuel costs ${price} a liter. How many dollars does the fuel cost?",
        F(2 * km) * per_100 / 100 * F(str(price)),
        [
            ("multiply", (km, 2)),
            ("divide", (Ref(0), 100)),
            ("multiply", (Ref(1), per_100)),
            ("multiply", (Ref(2), price)),
        ],
    )


@reading
def bike_savings(r):
    name, weeks, allowance, spends, saved = (
        r.choice(NAMES),
        r.randint(3, 20),
        r.randint(10, 30),
        r.randint(2, 9),
        r.randrange(20, 200, 10),
    )
    cost = saved + weeks * (allowance - spends)
    return Generated(
        f"{name} wants a bike that costs ${cost}. She has already saved ${saved}. Every week she gets ${allowance} "
        f"of pocket money and spends ${spends} of it. How many weeks must she save to buy the bike?",
        F(cost - saved, allowance - spends),
        [("subtract", (cost, saved)), ("subtract", (allowance, spends)), ("divide", (Ref(0), Ref(1)))],
    )


@reading
def pizza_party(r):
    slices = r.choice([6, 8])
    guests, each = r.randint(2, 9) * slices, r.choice([1, 2, 3])
    hours = r.randint(2, 5)
    return Generated(
        f"A party for {guests} guests lasts {hours} hours. Each guest eats {each} slices of pizza, and every pizza "
        f"is cut into {slices} slices. How many pizzas are needed?",
        F(guests * each, slices),
        [("multiply", (guests, each)), ("divide", (Ref(0), slices))],
    )


@reading
def mother_age(r):
    name, age, years, brother = r.choice(NAMES), r.randint(6, 15), r.randint(2, 12), r.randint(2, 20)
    return Generated(
        f"{name} is {age} years old and her brother is {brother}. Their mother is three times as old as {name}. "
        f"How old will their mother be in {years} years?",
        F(3 * age + years),
        [("multiply", (age, 3)), ("add", (Ref(0), years))],
    )


@reading
def cheese_grams(r):
    price, grams = r.choice([8, 12, 15, 18, 20, 24]), r.randrange(250, 2000, 250)
    return Generated(
        f"Cheese costs ${price} per kilogram at the market. A cook buys {grams} grams of it. How many dollars "
        "does the cook pay?",
        F(price * grams, 1000),
        [("multiply", (price, grams)), ("divide", (Ref(0), 1000))],
    )


@reading
def tank_filling(r):
    rate = r.randint(2, 12)
    capacity = 4 * rate * r.randint(3, 30)
    return Generated(
        f"A water tank holds {capacity} liters and is a quarter full. A pump adds {rate} liters every minute. "
        "How many minutes does it take to fill the tank?",
        F(capacity - F(capacity, 4), rate),
        [("divide", (capacity, 4)), ("subtract", (capacity, Ref(0))), ("divide", (Ref(1), rate))],
    )


@reading
def raise_mid_year(r):
    name, monthly, raise_, months = r.choice(NAMES), r.randrange(1500, 5000, 100), r.randrange(50, 600, 50), 6
    return Generated(
        f"{name} earns ${monthly} a month. After the first {months} months of the year her pay goes up by "
        f"${raise_} a month. How many dollars does she earn in the whole year?",
        F(months * monthly + (12 - months) * (monthly + raise_)),
        [
            ("multiply", (monthly, months)),
            ("subtract", (12, months)),
            ("add", (monthly, raise_)),
            ("multiply", (Ref(1), Ref(2))),
            ("add", (Ref(0), Ref(3))),
        ],
    )


@reading
def library_books(r):
    shelves, per_shelf, donated = r.randint(4, 20), r.randint(15, 40), r.randint(5, 30)
    return Generated(
        f"A library has {shelves} shelves with {per_shelf} books on each. It gives away {donated} books and then "
        "buys twice as many new books as it gave away. How many books does it have now?",
        F(shelves * per_shelf - donated + 2 * donated),
        [
            ("multiply", (shelves, per_shelf)),
            ("subtract", (Ref(0), donated)),
            ("multiply", (donated, 2)),
            ("add", (Ref(1), Ref(2))),
        ],
    )


@reading
def weekly_commission(r):
    name, base, pct, sales = (
        r.choice(NAMES),
        r.randrange(200, 600, 20),
        r.choice([2, 5, 8, 10, 12]),
        r.randrange(1000, 9000, 100),
    )
    return Generated(
        f"{name} sells furniture. Each week she is paid ${base} plus {pct}% of what she sells. This week she sold "
        f"${sales} of furniture. How many dollars does she earn this week?",
        F(base) + F(sales * pct, 100),
        [("percent", (sales, pct)), ("add", (base, Ref(0)))],
    )


@reading
def water_liters(r):
    people, glasses, ml = r.randint(2, 6), r.randint(4, 10), r.choice([200, 250])
    return Generated(
        f"In a family of {people} people, each person drinks {glasses} glasses of water a day. A glass holds {ml} "
        "milliliters. How many liters of water does the family drink in a week?",
        F(people * glasses * ml * 7, 1000),
        [
            ("multiply", (people, glasses)),
            ("multiply", (Ref(0), ml)),
            ("multiply", (Ref(1), 7)),
            ("divide", (Ref(2), 1000)),
        ],
    )


READING_TEMPLATES.update(EVERYDAY_TEMPLATES)  # one task, one new-template split over both families
