"""The `lakehouse` console script: one argparse subcommand per module of this package.

A subcommand is a module `lakehouse/cli/<name>.py` (`-` in the name: `_`) defining `HELP` (one line), `add_arguments(parser)`
and `run(args) -> int` (the exit code), listed by name in `COMMANDS`. Modules are imported only to
build the parser, so each keeps its heavy imports inside `run`. A `CliError` (or a settings error)
ends the command with its one-line message on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from datetime import date
from pathlib import Path

COMMANDS = ("sql", "tables", "checks", "run", "spark-server")
SET_HOME = "set DAGSTER_HOME to the Dagster instance folder, e.g. the .dagster folder `make demo` uses"


class CliError(Exception):
    """A failure the user can fix; the message says how and is printed as one line."""


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: the command line), run the chosen subcommand, return its exit code."""
    from lakehouse.settings import SettingsError

    parser = argparse.ArgumentParser(prog="lakehouse", description="Lakehouse tools for people.")
    # Not "command": a subcommand may well have an option of that name (`sql -c/--command`).
    subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"lakehouse.cli.{name.replace('-', '_')}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (CliError, SettingsError) as error:
        print(f"lakehouse {args.subcommand}: error: {one_line(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's exit-time flush quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def one_line(message: str) -> str:
    """A message on one line: DuckDB appends the query with a caret below it, which we drop."""
    head = message.split("\n\nLINE ", 1)[0]
    return " ".join(part.strip() for part in head.splitlines() if part.strip())


def day(value: str) -> date:
    """An argparse type: a YYYY-MM-DD day."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def dagster_home(create: bool) -> Path:
    """The instance folder DAGSTER_HOME names, made absolute (Dagster refuses a relative one).

    `create`: a folder without an instance gets the batched SQLite one (runs are launched there);
    otherwise it must hold one, since opening it would create one where a mistyped path points.
    """
    home = os.environ.get("DAGSTER_HOME", "").strip()
    if not home:
        raise CliError(f"DAGSTER_HOME is not set: {SET_HOME}")
    path = Path(home).expanduser().resolve()
    if not path.is_dir() and (path.exists() or not create):
        raise CliError(f"DAGSTER_HOME={home} is not a folder: {SET_HOME}")
    if create:
        from lakehouse.instance import write_instance_config

        write_instance_config(path)  # keeps a non-empty dagster.yaml as it is
    elif not (path / "dagster.yaml").is_file() and not (path / "history").is_dir():
        raise CliError(f"DAGSTER_HOME={home} holds no Dagster instance (no dagster.yaml, no history/): {SET_HOME}")
    return path
