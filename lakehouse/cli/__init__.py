"""The `lakehouse` console script: one argparse subcommand per module of this package.

A subcommand is a module `lakehouse/cli/<name>.py` defining `HELP` (one line), `add_arguments(parser)`
and `run(args) -> int` (the exit code), listed by name in `COMMANDS`. Modules are imported only to
build the parser, so each keeps its heavy imports inside `run`. A `CliError` (or a settings error)
ends the command with its one-line message on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMANDS = ("sql", "checks", "run")


class CliError(Exception):
    """A failure the user can fix; the message says how and is printed as one line."""


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: the command line), run the chosen subcommand, return its exit code."""
    from lakehouse.settings import SettingsError

    parser = argparse.ArgumentParser(prog="lakehouse", description="Lakehouse tools for people.")
    # Not "command": a subcommand may well have an option of that name (`sql -c/--command`).
    subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"lakehouse.cli.{name}")
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
