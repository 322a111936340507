"""The SQL agent's database: a small online shop in SQLite, built from a seed, the same bytes of data every time.

    python examples/sql_agent/shop_db.py shop.sqlite    # or let task.py build it on first use

Tables: customers (60), products (40 in 6 categories), orders (300, 2023–2024) and
order_items (about 750 lines). Everything is drawn from `random.Random(seed)` in a fixed order,
so two builds hold identical rows.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

SCHEMA = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    joined DATE NOT NULL
);
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price REAL NOT NULL
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    order_date DATE NOT NULL,
    status TEXT NOT NULL
);
CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL,
    unit_price REAL NOT NULL
);
"""

CITIES = ["Lyon", "Porto", "Gent", "Turin", "Leeds", "Graz", "Malmo", "Bilbao"]
FIRST = [
    "Ada",
    "Ben",
    "Cleo",
    "Dan",
    "Eva",
    "Finn",
    "Gia",
    "Hugo",
    "Iris",
    "Jon",
    "Kai",
    "Lena",
    "Milo",
    "Nora",
    "Omar",
]
LAST = ["Berg", "Costa", "Dubois", "Engel", "Ferro", "Gray", "Holm", "Ivanov", "Jansen", "Klein", "Lopes", "Moreau"]
PRODUCTS = {
    "books": ["Atlas", "Cookbook", "Novel", "Poetry Set", "Sketchbook", "Travel Guide", "Comic", "Dictionary"],
    "garden": ["Hose", "Rake", "Shovel", "Seed Pack", "Watering Can", "Planter", "Gloves"],
    "kitchen": ["Kettle", "Toaster", "Chef Knife", "Cutting Board", "Frying Pan", "Teapot", "Blender"],
    "office": ["Stapler", "Desk Lamp", "Notebook", "Pen Set", "Monitor Stand", "Paper Tray"],
    "sports": ["Yoga Mat", "Dumbbell", "Jump Rope", "Water Bottle", "Tennis Balls", "Bike Light"],
    "toys": ["Puzzle", "Kite", "Robot Kit", "Board Game", "Plush Bear", "Yo-yo"],
}
STATUSES = ["delivered", "delivered", "delivered", "shipped", "pending", "cancelled"]


def build(path: Path, seed: int = 0) -> Path:
    """Write the shop database to `path` (atomically: a reader never sees half a file)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    connection = sqlite3.connect(tmp)
    try:
        connection.executescript(SCHEMA)
        names = rng.sample([f"{first} {last}" for first in FIRST for last in LAST], 60)
        customers = [
            (i, name, rng.choice(CITIES), (date(2021, 1, 1) + timedelta(days=rng.randrange(4 * 365))).isoformat())
            for i, name in enumerate(names, start=1)
        ]
        products = []
        for category, items in PRODUCTS.items():
            for item in items:
                products.append((len(products) + 1, item, category, round(rng.uniform(2, 120), 2)))
        orders, lines = [], []
        for order_id in range(1, 301):
            customer = rng.choice(customers)
            start = max(date(2023, 1, 1), date.fromisoformat(customer[3]))
            day = start + timedelta(days=rng.randrange((date(2024, 12, 31) - start).days + 1))
            orders.append((order_id, customer[0], day.isoformat(), rng.choice(STATUSES)))
            for product in rng.sample(products, rng.randint(1, 4)):
                # Some lines were sold below list price: revenue is quantity * unit_price, not * price.
                discount = rng.choice([1.0, 1.0, 1.0, 0.9])
                lines.append((order_id, product[0], rng.randint(1, 5), round(product[3] * discount, 2)))
        connection.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", customers)
        connection.executemany("INSERT INTO products VALUES (?, ?, ?, ?)", products)
        connection.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", orders)
        connection.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?)", lines)
        connection.commit()
    finally:
        connection.close()
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python shop_db.py OUT.sqlite")
    print(build(Path(sys.argv[1])))
