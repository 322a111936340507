"""The SQL agent's questions: 30 templates over the shop database, each with the gold SQL whose result is the answer.

    python examples/sql_agent/questions.py      # rewrites questions.jsonl next to this file

Every question is asked in words a shop owner would use; its `meta` keeps the gold SQL (what the
`reference` solver runs) and how to grade it (`number`, `rows`, or `ordered` rows). A question whose
answer is a tie ("which customer ordered most?" with two at the top) or empty is left out, so each
answer is one thing. Train and test are split by question text (fcdpo's `split_of`), never by template.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from shop_db import build  # noqa: E402 - the example's own module, next to this file

PER_TEMPLATE = 40  # at most this many questions per template
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip


@dataclass(frozen=True)
class Template:
    """A question pattern, the SQL that answers it, how to grade it, and the values it is asked about."""

    name: str
    question: str
    sql: str
    grade: str  # number | rows | ordered
    values: Callable[[sqlite3.Connection], list[dict]]
    top_of: bool = False  # the SQL ranks candidates: the answer is the first, and a tie at the top is skipped


def _column(db: sqlite3.Connection, sql: str) -> list:
    return [row[0] for row in db.execute(sql)]


def _one(key: str, sql: str) -> Callable[[sqlite3.Connection], list[dict]]:
    return lambda db: [{key: value} for value in _column(db, sql)]


CUSTOMERS = _one("customer", "SELECT name FROM customers ORDER BY id")
PRODUCTS = _one("product", "SELECT name FROM products ORDER BY id")
CITIES = _one("city", "SELECT DISTINCT city FROM customers ORDER BY city")
CATEGORIES = _one("category", "SELECT DISTINCT category FROM products ORDER BY category")
YEARS = lambda db: [{"year": year} for year in ("2023", "2024")]  # noqa: E731
STATUSES = _one("status", "SELECT DISTINCT status FROM orders ORDER BY status")
MONTH_YEARS = lambda db: [  # noqa: E731
    {"month": MONTHS[m - 1], "mm": f"{m:02d}", "year": y} for y in ("2023", "2024") for m in range(1, 13)
]
PRICES = lambda db: [{"price": p} for p in (10, 20, 30, 50, 75, 100)]  # noqa: E731
CATEGORY_PRICES = lambda db: [  # noqa: E731
    {"category": c["category"], "price": p} for c in CATEGORIES(db) for p in (20, 40, 60)
]
REVENUE = "SUM(oi.quantity * oi.unit_price)"

TEMPLATES = [
    Template("count_customers_city", "How many customers live in {city}?",
             "SELECT COUNT(*) FROM customers WHERE city = '{city}'", "number", CITIES),
    Template("count_products_category", "How many products are in the {category} category?",
             "SELECT COUNT(*) FROM products WHERE category = '{category}'", "number", CATEGORIES),
    Template("price_of", "What is the list price of the {product}?",
             "SELECT price FROM products WHERE name = '{product}'", "number", PRODUCTS),
    Template("orders_in_month", "How many orders were placed in {month} {year}?",
             "SELECT COUNT(*) FROM orders WHERE strftime('%Y-%m', order_date) = '{year}-{mm}'", "number",
             MONTH_YEARS),
    Template("orders_of_customer", "How many orders has {customer} placed?",
             "SELECT COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.name = '{customer}'",
             "number", CUSTOMERS),
    Template("spent_by_customer", "How much has {customer} spent in total, over all order lines?",
             f"SELECT ROUND({REVENUE}, 2) FROM order_items oi JOIN orders o ON o.id = oi.order_id "
             "JOIN customers c ON c.id = o.customer_id WHERE c.name = '{customer}'", "number", CUSTOMERS),
    Template("units_of_product", "How many units of the {product} were sold in total?",
             "SELECT SUM(oi.quantity) FROM order_items oi JOIN products p ON p.id = oi.product_id "
             "WHERE p.name = '{product}'", "number", PRODUCTS),
    Template("orders_with_product", "How many orders include the {product}?",
             "SELECT COUNT(DISTINCT oi.order_id) FROM order_items oi JOIN products p ON p.id = oi.product_id "
             "WHERE p.name = '{product}'", "number", PRODUCTS),
    Template("revenue_in_year", "What was the total revenue of orders placed in {year}?",
             f"SELECT ROUND({REVENUE}, 2) FROM order_items oi JOIN orders o ON o.id = oi.order_id "
             "WHERE strftime('%Y', o.order_date) = '{year}'", "number", YEARS),
    Template("revenue_of_category", "What is the total revenue from products in the {category} category?",
             f"SELECT ROUND({REVENUE}, 2) FROM order_items oi JOIN products p ON p.id = oi.product_id "
             "WHERE p.category = '{category}'", "number", CATEGORIES),
    Template("avg_price_category", "What is the average list price of {category} products, to the cent?",
             "SELECT ROUND(AVG(price), 2) FROM products WHERE category = '{category}'", "number", CATEGORIES),
    Template("orders_with_status", "How many orders have the status '{status}'?",
             "SELECT COUNT(*) FROM orders WHERE status = '{status}'", "number", STATUSES),
    Template("customers_joined_year", "How many customers joined in {year}?",
             "SELECT COUNT(*) FROM customers WHERE strftime('%Y', joined) = '{year}'", "number",
             lambda db: [{"year": y} for y in ("2021", "2022", "2023", "2024")]),
    Template("products_cheaper", "How many products have a list price under {price} dollars?",
             "SELECT COUNT(*) FROM products WHERE price < {price}", "number", PRICES),
    Template("buyers_in_month", "How many different customers placed an order in {month} {year}?",
             "SELECT COUNT(DISTINCT customer_id) FROM orders WHERE strftime('%Y-%m', order_date) = '{year}-{mm}'",
             "number", MONTH_YEARS),
    Template("biggest_order_lines", "What is the largest number of distinct products in a single order?",
             "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM order_items GROUP BY order_id)", "number",
             lambda db: [{}]),
    Template("customers_in_city", "Which customers live in {city}?",
             "SELECT name FROM customers WHERE city = '{city}'", "rows", CITIES),
    Template("products_in_category_over", "Which {category} products have a list price above {price} dollars?",
             "SELECT name FROM products WHERE category = '{category}' AND price > {price}", "rows", CATEGORY_PRICES),
    Template("no_order_in_year", "Which customers placed no order in {year}?",
             "SELECT name FROM customers WHERE id NOT IN (SELECT customer_id FROM orders "
             "WHERE strftime('%Y', order_date) = '{year}')", "rows", YEARS),
    Template("cities_of_category_buyers", "In which cities do customers live who bought {category} products?",
             "SELECT DISTINCT c.city FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi "
             "ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id WHERE p.category = '{category}'",
             "rows", CATEGORIES),
    Template("first_order_date", "On what date did {customer} place their first order (YYYY-MM-DD)?",
             "SELECT MIN(o.order_date) FROM orders o JOIN customers c ON c.id = o.customer_id "
             "WHERE c.name = '{customer}'", "rows", CUSTOMERS),
    Template("city_of_customer", "In which city does {customer} live?",
             "SELECT city FROM customers WHERE name = '{customer}'", "rows", CUSTOMERS),
    Template("category_of_product", "Which category is the {product} in?",
             "SELECT category FROM products WHERE name = '{product}'", "rows", PRODUCTS),
    Template("most_expensive_in_category", "What is the most expensive product in the {category} category?",
             "SELECT name, price FROM products WHERE category = '{category}' ORDER BY price DESC", "rows",
             CATEGORIES, top_of=True),
    Template("cheapest_in_category", "What is the cheapest product in the {category} category?",
             "SELECT name, price FROM products WHERE category = '{category}' ORDER BY price ASC", "rows",
             CATEGORIES, top_of=True),
    Template("top_customer_city", "Which customer from {city} placed the most orders?",
             "SELECT c.name, COUNT(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id "
             "WHERE c.city = '{city}' GROUP BY c.id ORDER BY n DESC", "rows", CITIES, top_of=True),
    Template("top_category_year", "Which product category brought in the most revenue in {year}?",
             f"SELECT p.category, {REVENUE} AS r FROM order_items oi JOIN products p ON p.id = oi.product_id "
             "JOIN orders o ON o.id = oi.order_id WHERE strftime('%Y', o.order_date) = '{year}' "
             "GROUP BY p.category ORDER BY r DESC", "rows", YEARS, top_of=True),
    Template("busiest_city_month", "Customers from which city placed the most orders in {month} {year}?",
             "SELECT c.city, COUNT(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id "
             "WHERE strftime('%Y-%m', o.order_date) = '{year}-{mm}' GROUP BY c.city ORDER BY n DESC", "rows",
             MONTH_YEARS, top_of=True),
    Template("top3_products_units", "What are the three best-selling {category} products by units sold, best first?",
             "SELECT p.name FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE p.category = "
             "'{category}' GROUP BY p.id ORDER BY SUM(oi.quantity) DESC, p.name LIMIT 3", "ordered", CATEGORIES),
    Template("top3_customers_year", "Who were the three biggest spenders in {year}, biggest first?",
             f"SELECT c.name FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN customers c "
             f"ON c.id = o.customer_id WHERE strftime('%Y', o.order_date) = '{{year}}' GROUP BY c.id "
             f"ORDER BY {REVENUE} DESC, c.name LIMIT 3", "ordered", YEARS),
]  # fmt: skip


def answer_text(rows: list[tuple], grade: str) -> str:
    """The answer as a person would write it: one value, or values separated by commas."""
    values = [row[0] for row in rows]
    if grade == "number":
        value = values[0]
        return str(int(value)) if float(value).is_integer() else str(value)
    return ", ".join(str(value) for value in values)


def questions(db_path: Path, per_template: int = PER_TEMPLATE, seed: int = 0) -> list[dict]:
    """Every template's questions (at most `per_template` each), with gold SQL and answer, in a fixed order."""
    rng = random.Random(seed)
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows_out: list[dict] = []
    for template in TEMPLATES:
        values = template.values(db)
        rng.shuffle(values)
        kept = 0
        for value in values:
            if kept == per_template:
                break
            sql = template.sql.format(**value)
            rows = db.execute(sql).fetchall()
            if not rows or rows[0][0] is None:
                continue
            if template.top_of:
                if len(rows) > 1 and rows[0][1] == rows[1][1]:
                    continue  # a tie at the top: no single answer
                rows = rows[:1]
            question = template.question.format(**value)
            kept += 1
            rows_out.append(
                {
                    "id": f"sql-{template.name}-{kept}",
                    "task": "sql",
                    "question": question,
                    "answer": answer_text(rows, template.grade),
                    "meta": {"template": template.name, "sql": sql, "grade": template.grade},
                }
            )
    db.close()
    return rows_out


if __name__ == "__main__":
    database = build(HERE / "shop.sqlite")
    written = questions(database)
    with (HERE / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for row in written:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(written)} questions from {len(TEMPLATES)} templates -> {HERE / 'questions.jsonl'}")
