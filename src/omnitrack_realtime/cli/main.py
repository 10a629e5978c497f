"""``omnitrack``: one entry point, one subcommand per module.

Each module in :data:`SUBCOMMAND_MODULES` defines ``register(subparsers)``, which adds its
subcommand(s) and sets ``handler`` (``Callable[[argparse.Namespace], int]``) as the parser
default. Modules are imported lazily by name so that ``omnitrack chat`` never pays for the
server's imports, and a missing extra gives one clear sentence instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from ..errors import OmniTrackError

#: (module under omnitrack_realtime.cli, the extra it needs or None)
SUBCOMMAND_MODULES: tuple[tuple[str, str | None], ...] = (
    ("demo", "server,tui"),
    ("chat", None),
    ("listen", None),
    ("serve", "server"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omnitrack",
        description="OmniTrack Realtime: chat with the supply-chain copilot, tail events, "
        "run the server.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, _extra in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{__package__}."):
                continue  # that subcommand is not written yet
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
    except ModuleNotFoundError as exc:
        extra = next((e for n, e in SUBCOMMAND_MODULES if e), "all")
        print(
            f"omnitrack: a dependency is missing ({exc.name}); install "
            f"'omnitrack-realtime[{extra}]'.",
            file=sys.stderr,
        )
        return 2
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
    except OmniTrackError as exc:
        print(f"omnitrack: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
