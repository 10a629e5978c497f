"""What the commands know about a token without verifying it, and ``--token-command``.

A JWT's claims are readable by anyone holding it (only the signature needs the server's key),
so the commands read two of them to speak plainly: ``sub`` (is ``--user`` the token's user?)
and ``exp`` (when did it expire?). They are never trusted for anything else; the server decides.

``--token-command CMD`` (``OMNITRACK_TOKEN_COMMAND``) runs ``CMD`` in a shell for a token on
every connection attempt, so that a long ``listen`` or chat outlives any one token. Its output
is the token (surrounding whitespace dropped); it is never printed or logged.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import subprocess
import time
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError, ConnectionFailed, OmniTrackError

__all__ = ["TokenCommand", "expiry_words", "token_claims", "token_expiry", "token_subject"]

#: Seconds a token command may take (the connection bounds each attempt's as well).
COMMAND_TIMEOUT = 30.0


def token_claims(token: str | None) -> Mapping[str, Any] | None:
    """The claims of a JWT, unverified, or ``None`` when ``token`` is not a readable JWT."""
    if not token:
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


def token_subject(token: str | None) -> str | None:
    """The token's user (``sub``), if it is a JWT that says."""
    subject = (token_claims(token) or {}).get("sub")
    return subject if isinstance(subject, str) and subject else None


def token_expiry(token: str | None) -> float | None:
    """When the token expires (``exp``, epoch seconds), if it is a JWT that says."""
    expiry = (token_claims(token) or {}).get("exp")
    if isinstance(expiry, bool) or not isinstance(expiry, int | float):
        return None
    return float(expiry)


def expiry_words(expires_at: float, now: float | None = None) -> str:
    """``14:02:07`` (local time) for a moment today, ``2025-03-01 14:02`` otherwise."""
    now = time.time() if now is None else now
    moment = time.localtime(expires_at)
    if time.strftime("%Y-%m-%d", moment) == time.strftime("%Y-%m-%d", time.localtime(now)):
        return time.strftime("%H:%M:%S", moment)
    return time.strftime("%Y-%m-%d %H:%M", moment)


class TokenCommand:
    """A token provider that runs a shell command (``--token-command``) on every call.

    :meth:`first` runs it once before connecting, so that a command that fails is reported at
    once in one sentence (its exit status and the last line of its stderr), and its token can be
    checked against ``--user``; the connection's first attempt then reuses that token.
    """

    def __init__(self, command: str, *, timeout: float = COMMAND_TIMEOUT) -> None:
        self.command = command
        self.timeout = timeout
        self._prefetched: str | None = None

    def __repr__(self) -> str:
        return f"TokenCommand({self.command!r})"

    def first(self) -> str:
        """Run the command now (blocking); raises :class:`ConfigurationError` if it fails."""
        try:
            done = subprocess.run(
                self.command,
                shell=True,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ConfigurationError(
                f"--token-command {self.command!r} did not finish within {self.timeout:g} s"
            ) from exc
        token = self._token(done.returncode, done.stdout, done.stderr, ConfigurationError)
        self._prefetched = token
        return token

    async def __call__(self) -> str:
        token, self._prefetched = self._prefetched, None
        if token is not None:
            return token
        process = await asyncio.create_subprocess_shell(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            stdout, stderr = await process.communicate()
        except BaseException:  # cancelled (the attempt timed out, Ctrl-C): no orphan left
            if process.returncode is None:
                process.kill()
                await process.wait()
            raise
        assert process.returncode is not None
        # Failing later is not failing for good (an identity provider may be away for a
        # while): ConnectionFailed is retried with backoff, where ConfigurationError would stop.
        return self._token(process.returncode, stdout, stderr, ConnectionFailed)

    def _token(self, status: int, stdout: bytes, stderr: bytes, error: type[OmniTrackError]) -> str:
        if status != 0:
            lines = stderr.decode(errors="replace").strip().splitlines()
            said = f": {lines[-1].strip()[:200]}" if lines else ""
            raise error(f"--token-command {self.command!r} failed (exit status {status}){said}")
        token = stdout.decode(errors="replace").strip()
        if not token:
            raise error(f"--token-command {self.command!r} printed no token")
        return token
