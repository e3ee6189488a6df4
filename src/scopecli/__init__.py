"""The `scope` command: `scope app`, `scope probe` and `scope launch`."""

import argparse
import sys
from collections.abc import Sequence

from scopecore import __version__

from . import app_cmd, probe_cmd


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every subcommand and flag documented for `scope --help`."""
    parser = argparse.ArgumentParser(
        prog="scope",
        description="A live map of hosts, containers, processes and Kubernetes objects (successor to Weave Scope).",
    )
    parser.add_argument("--version", action="version", version=f"scope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    app_cmd.register(sub)
    probe_cmd.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `scope` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
