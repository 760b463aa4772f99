"""`lakehouse sql`: SQL over the warehouse with DuckDB (in memory, no Spark, nothing written).

`lakehouse sql -c "<sql>"` runs the statements and prints each result; `--csv` prints CSV instead
of a text table; `--list` prints the views and macros. Without `-c`, statements are read from
stdin: a prompt on a terminal (each run at its `;`), else the whole script. Where the tables are
comes from the environment (lakehouse.settings); which objects exist is lakehouse.cli.views.
An SQL error ends `-c` and scripts with exit code 1 and one line on stderr.
"""

from __future__ import annotations

import sys

from lakehouse.cli import CliError, one_line

HELP = "Query the warehouse with SQL: DuckDB over the committed Parquet files, no Spark."
PROMPT, CONTINUE = "lakehouse> ", "       ..> "
LIST_HEADER = ["name", "kind", "partition", "info"]


def add_arguments(parser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("-c", "--command", metavar="SQL", help="run these statements, print the results and exit")
    mode.add_argument("--list", action="store_true", help="print the views and macros, then exit")
    parser.add_argument("--csv", action="store_true", help="print results as CSV (a header line, then rows)")


def run(args) -> int:
    from lakehouse.cli import output
    from lakehouse.settings import Settings

    con, listing, label = connect(Settings.from_env())
    if args.list:
        rows = [tuple(map(str, row)) for row in listing]
        if args.csv:
            output.write_csv(LIST_HEADER, rows, sys.stdout)
        else:
            output.write_table(LIST_HEADER, [False] * 4, rows, sys.stdout)
    elif args.command is not None:
        execute(con, args.command, args.csv)
    elif sys.stdin.isatty():
        console(con, args.csv, label, sum(row[1] != "skipped" for row in listing))
    else:
        execute(con, sys.stdin.read(), args.csv)
    return 0


def connect(settings):
    """A DuckDB connection with every view and macro; also the listing rows and where tables are."""
    from lakehouse.cli.layout import discover
    from lakehouse.cli.stores import duckdb_connection, open_warehouse
    from lakehouse.cli.views import create_objects

    store = open_warehouse(settings)
    tables, skipped = discover(store.paths(), store.read_text)
    if not tables and not skipped:
        raise CliError(f"no tables under {store.label}: {store.hint}")
    con = duckdb_connection(store)
    listing = create_objects(con, tables, skipped, store.uri)
    for name, kind, _, info in listing:
        if kind == "skipped":
            print(f"lakehouse sql: skipped {name}: {info}", file=sys.stderr)
    return con, listing, store.label


def execute(con, script: str, csv_format: bool) -> None:
    """Run each statement of `script`, printing the results of those that return rows."""
    import duckdb

    from lakehouse.cli import output

    try:
        printed = False
        for statement in con.extract_statements(script):
            relation = con.sql(statement.query)
            if relation is not None:
                if printed:
                    sys.stdout.write("\n")
                output.write(relation, csv_format, sys.stdout)
                printed = True
    except duckdb.Error as error:
        raise CliError(str(error)) from None


def console(con, csv_format: bool, label: str, objects: int) -> None:
    """Prompt for statements until end of input; an error is printed and the prompt comes back."""
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass
    print(f"{objects} views and macros over {label}. End statements with ';', quit with Ctrl-D.", file=sys.stderr)
    lines: list[str] = []
    while True:
        try:
            line = input(CONTINUE if lines else PROMPT)
        except KeyboardInterrupt:  # drops the statement being typed, as shells do
            lines = []
            print(file=sys.stderr)
            continue
        except EOFError:
            print(file=sys.stderr)
            _execute_reporting(con, "\n".join(lines), csv_format)
            return
        lines.append(line)
        if line.rstrip().endswith(";"):
            _execute_reporting(con, "\n".join(lines), csv_format)
            lines = []


def _execute_reporting(con, script: str, csv_format: bool) -> None:
    """Run `script`; an error is printed and the console goes on."""
    if script.strip():
        try:
            execute(con, script, csv_format)
        except CliError as error:
            print(f"error: {one_line(str(error))}", file=sys.stderr)
        except KeyboardInterrupt:  # Ctrl-C stops the query, not the console
            print("interrupted", file=sys.stderr)
