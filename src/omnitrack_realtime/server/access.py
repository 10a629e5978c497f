"""The access log: one line when a connection opens, one when it ends, one per refused
handshake, on the ``omnitrack_realtime.server.access`` logger at INFO (``omnitrack serve``
shows them). Both drivers write the same lines::

    open /copilot user=alice peer=127.0.0.1:50112
    close /copilot user=alice peer=127.0.0.1:50112 code=1000 duration=12.3s
    refuse /ws peer=127.0.0.1:50114 status=401 reason="token has expired"

Never a token: the path is logged without its query string (which may carry one), the user is
the verified token's ``sub``, and the reasons are the server's own words.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["log_close", "log_open", "log_refused", "peer"]

logger = logging.getLogger("omnitrack_realtime.server.access")


def peer(address: Any) -> str:
    """``host:port`` of a socket address (a tuple, as both drivers give it), else ``?``."""
    if isinstance(address, tuple | list) and len(address) >= 2:
        host = str(address[0])
        return f"[{host}]:{address[1]}" if ":" in host else f"{host}:{address[1]}"
    return "?"


def _endpoint(path: str) -> str:
    return path.partition("?")[0] or "/"


def log_open(path: str, user: str, address: Any) -> None:
    logger.info("open %s user=%s peer=%s", _endpoint(path), user, peer(address))


def log_close(path: str, user: str, address: Any, code: int | None, seconds: float) -> None:
    logger.info(
        "close %s user=%s peer=%s code=%s duration=%.1fs",
        _endpoint(path),
        user,
        peer(address),
        code if code is not None else "none",
        seconds,
    )


def log_refused(path: str, address: Any, status: int, reason: str) -> None:
    logger.info(
        'refuse %s peer=%s status=%d reason="%s"', _endpoint(path), peer(address), status, reason
    )
