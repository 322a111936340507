"""A stock LangChain SQL agent over the shop database, written the way LangChain's SQL-agent tutorial writes one.

It imports nothing of fcdpo: `create_agent` with four tools in the style of `SQLDatabaseToolkit` (list the tables,
show a table's schema and sample rows, check a query, run it) and the tutorial's system prompt. fcdpo runs it as it
is, with a teacher and with the student, and tunes the student on what it did:

    fcdpo eval --graph examples/sql_stock_agent/agent.py:make_agent --model qwen2.5-coder-0.5b \
        --task examples/sql_agent/task.py:task_new_templates --problems 20
    fcdpo pipeline --config examples/sql_stock_agent/pipeline.yaml --out runs/sql-stock

In your app: `make_agent(ChatOpenAI(...))`, or the tuned student in process,
`make_agent(fcdpo.models.load_chat_model("qwen2.5-coder-0.5b+runs/sql-stock/train/adapter"))`.

The query checker is deterministic here (SQLite compiles the query without running it) where the toolkit's asks
the LLM a second time: the same tool for the agent, without a second model in every step.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from langchain.agents import create_agent
from langchain_core.tools import tool

HERE = Path(__file__).resolve().parent
DATABASE = HERE.parent / "sql_agent" / "shop.sqlite"
TOP_K = 5

SYSTEM_PROMPT = f"""You are an agent designed to interact with a SQL database.
Given an input question, create a syntactically correct SQLite query to run, then look at the results of the query
and return the answer. Unless the user specifies a specific number of examples they wish to obtain, always limit
your query to at most {TOP_K} results.
You can order the results by a relevant column to return the most interesting examples in the database.
Never query for all the columns from a specific table, only ask for the relevant columns given the question.
You MUST double check your query before executing it. If you get an error while executing a query, rewrite the
query and try again.
DO NOT make any DML statements (INSERT, UPDATE, DELETE, DROP etc.) to the database.
To start you should ALWAYS look at the tables in the database to see what you can query. Do NOT skip this step.
Then you should query the schema of the most relevant tables.
When you have the result, answer with it alone: one value as the query returned it, or several rows as a JSON list
of lists."""


def _connect() -> sqlite3.Connection:
    """A read-only connection (the database is built from its seed on first use)."""
    if not DATABASE.is_file():
        sys.path.insert(0, str(DATABASE.parent))
        from shop_db import build

        build(DATABASE)
    return sqlite3.connect(f"file:{DATABASE}?mode=ro", uri=True)


@tool("sql_db_list_tables")
def list_tables(tool_input: str = "") -> str:
    """Input is an empty string, output is a comma-separated list of tables in the database."""
    with _connect() as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    return ", ".join(name for (name,) in rows)


@tool("sql_db_schema")
def schema(table_names: str) -> str:
    """Input to this tool is a comma-separated list of tables, output is the schema and sample rows for those
    tables. Be sure that the tables actually exist by calling sql_db_list_tables first!
    Example Input: table1, table2, table3
    """
    parts = []
    with _connect() as connection:
        for name in (part.strip() for part in table_names.split(",") if part.strip()):
            found = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
            row = found.fetchone()
            if row is None:
                return f"Error: table_names {{'{name}'}} not found in database"
            sample = connection.execute(f'SELECT * FROM "{name}" LIMIT 3').fetchall()
            lines = "\n".join("\t".join(map(str, values)) for values in sample)
            parts.append(f"{row[0]}\n\n/*\n3 rows from {name} table:\n{lines}\n*/")
    return "\n\n".join(parts)


@tool("sql_db_query_checker")
def check_query(query: str) -> str:
    """Use this tool to double check if your query is correct before executing it. Always use this tool before
    executing a query with sql_db_query!
    """
    try:
        with _connect() as connection:
            connection.execute(f"EXPLAIN {query}").fetchall()
    except sqlite3.Error as exc:
        return f"Error: {exc}"
    return query


@tool("sql_db_query")
def run_query(query: str) -> str:
    """Input to this tool is a detailed and correct SQL query, output is a result from the database. If the query
    is not correct, an error message will be returned. If an error is returned, rewrite the query, check the query,
    and try again. If you encounter an issue with Unknown column 'xxxx' in 'field list', use sql_db_schema to query
    the correct table fields.
    """
    try:
        with _connect() as connection:
            return str(connection.execute(query).fetchmany(30))
    except sqlite3.Error as exc:
        return f"Error: {exc}"


def make_agent(model):
    """The stock agent on `model` (any LangChain chat model that binds tools)."""
    return create_agent(model, [list_tables, schema, check_query, run_query], system_prompt=SYSTEM_PROMPT)
