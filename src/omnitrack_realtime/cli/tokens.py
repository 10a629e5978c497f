"""What the commands know about a token without verifying it, and ``--token-command``.

A JWT's claims are readable by anyone holding it (only the signature needs the server's key),
so the commands read two of them to speak plainly: ``sub`` (is ``--user`` the token's user?)
and ``exp`` (when did it expire?). They are never trusted for anything else; the server decides.

``--token-command CMD`` (``OMNITRACK_TOKEN_COMMAND``) runs ``CMD`` in a shell for a token on
every connection attempt, so that a long ``listen`` or chat outlives any one token. Its output
is the token (surrounding whitespace dropped); it is never printed or logged.

Development mode (:func:`development_token`): given no token at all, ``chat`` and ``listen``
talking to a server on this machine mint their own, as ``omnitrack publish`` does, with the
secret ``omnitrack serve`` uses there (``OMNITRACK_JWT_SECRET``, else the development secret,
only if it exists), a fresh one on every connection attempt. Never for another machine: the
secret's tokens are for local servers only.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import getpass
import ipaddress
import json
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigurationError, ConnectionFailed, OmniTrackError

__all__ = [
    "DEV_TOKEN_TTL",
    "DevToken",
    "TokenCommand",
    "development_token",
    "expiry_words",
    "is_loopback_url",
    "token_claims",
    "token_expiry",
    "token_subject",
]

#: Seconds a token command may take (the connection bounds each attempt's as well).
COMMAND_TIMEOUT = 30.0
#: Seconds a token minted in development mode lasts (each connection attempt mints anew).
DEV_TOKEN_TTL = 3600.0
#: The user a development token is for when neither ``--user`` nor the login name is known
#: (``omnitrack publish``'s user).
_FALLBACK_USER = "omnitrack-cli"


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


def is_loopback_url(url: str) -> bool:
    """Whether ``url``'s host is this machine: ``localhost`` or a loopback address
    (``127.0.0.0/8``, ``::1``). Names are not resolved: any other name is another machine."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host.rstrip(".") == "localhost":  # hostname is lower-cased already
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DevToken:
    """Development mode's token provider: a token for ``user`` minted with a local secret on
    every call (every connection attempt), so that a long session never holds an expired one.

    ``config`` is the :class:`~omnitrack_realtime.server.AuthConfig` that signs; ``source``
    says where its secret came from, in words (never the secret)."""

    def __init__(self, user: str, config: Any, source: str, *, ttl: float = DEV_TOKEN_TTL):
        from ..server.auth import mint_token  # the caller checked that the server is installed

        self.user = user
        self.source = source
        self.ttl = ttl
        self._config = config
        self._mint = mint_token

    def __repr__(self) -> str:
        return f"DevToken(user={self.user!r}, source={self.source!r})"

    def __call__(self) -> str:
        token: str = self._mint(self.user, self._config, ttl=self.ttl)
        return token

    def announcement(self) -> str:
        """The one line a command prints when it mints its own token (without the token)."""
        return (
            f"no token given and the server is on this machine: minting one for {self.user} "
            f"from {self.source} on every connect (development mode)"
        )


def development_token(
    urls: Sequence[str], user: str | None, environ: Mapping[str, str]
) -> DevToken | None:
    """The provider of development mode, or ``None`` when it does not apply: a url is not
    on this machine, the server extra is not installed, or there is no secret to mint with
    (``OMNITRACK_JWT_SECRET`` unset and no development secret yet: it is never created here).

    The token is for ``user``, else the login name. The secret is the one ``serve``,
    ``token`` and ``publish`` use (:func:`.serve.auth_config`, with its checks)."""
    if not urls or not all(is_loopback_url(url) for url in urls):
        return None
    from .serve import auth_config

    try:
        config = auth_config(environ=environ, create_secret=False)
    except ModuleNotFoundError:  # no server extra here: nothing to sign with
        return None
    if config.secret is None:
        return None
    if environ.get("OMNITRACK_JWT_SECRET"):
        source = "OMNITRACK_JWT_SECRET"
    else:
        from ..server.auth import development_secret_path

        source = f"the development secret in {development_secret_path()}"
    return DevToken(user or _login_name(), config, source)


def _login_name() -> str:
    try:
        return getpass.getuser() or _FALLBACK_USER
    except (OSError, KeyError):  # no name for this uid (a container)
        return _FALLBACK_USER
