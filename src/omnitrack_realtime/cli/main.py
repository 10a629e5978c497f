"""``omnitrack``: one entry point, one subcommand per module.

Each module in :data:`SUBCOMMAND_MODULES` defines ``register(subparsers)``, which adds its
subcommand(s) and sets ``handler`` (``Callable[[argparse.Namespace], int]``) as the parser
default. Modules are imported lazily by name so that ``omnitrack chat`` never pays for the
server's imports, and a missing extra gives one clear sentence instead of a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import OmniTrackError

#: (module under omnitrack_realtime.cli, the extra it needs or None)
SUBCOMMAND_MODULES: tuple[tuple[str, str | None], ...] = (
    ("demo", "server,tui"),
    ("chat", None),
    ("listen", None),
    ("serve", "server"),
    ("migrate", "postgres"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omnitrack",
        description="OmniTrack Realtime: chat with the supply-chain copilot, tail events, "
        "run the server.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, extra in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{__package__}."):
                continue  # that subcommand is not written yet
            # A dependency of an extra is missing: the other subcommands still work, and this
            # one says what to install instead of failing with a traceback.
            _register_unavailable(subparsers, name, extra or "all", exc.name or "a module")
            continue
        module.register(subparsers)
    for subparser in subparsers.choices.values():
        # -v works after the subcommand too (omnitrack listen -v); SUPPRESS keeps the main
        # parser's value when it is not given there.
        subparser.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help="log debug details",
        )
    return parser


def _register_unavailable(subparsers: Any, name: str, extra: str, missing: str) -> None:
    stub = subparsers.add_parser(name, help=f"(needs 'omnitrack-realtime[{extra}]')")

    def explain(_args: argparse.Namespace) -> int:
        print(
            f"omnitrack: '{name}' needs {missing}; install 'omnitrack-realtime[{extra}]'",
            file=sys.stderr,
        )
        return 2

    stub.set_defaults(handler=explain)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code: int = handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (omnitrack listen | head -3): not an error worth a traceback.
        # Python would complain again flushing stdout at exit; point it at nothing.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OmniTrackError as exc:
        print(f"omnitrack: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
