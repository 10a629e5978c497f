"""Who is connecting: JWT verification, the handshake's token lookup, origin checks, minting.

Everything here is synchronous and free of sockets: a driver hands :func:`authenticate_handshake`
the request path and headers and answers the HTTP status of :class:`AuthRejected` before the
upgrade when it raises.

Security rules (see ``docs/protocol.md``, "Authentication"):

- The accepted algorithms are fixed by :class:`AuthConfig`, never read from the token; a token
  whose header names another algorithm (``none`` included) is refused before any key is used.
- The key is chosen by the algorithm family: HMAC algorithms use ``secret``, RSA/EC algorithms
  use ``public_key``. An RS256 configuration therefore never verifies an HS256 token "signed with
  the public key" (the classic algorithm-confusion attack); PyJWT also refuses a PEM key as an
  HMAC secret.
- ``exp`` and ``sub`` are required; ``nbf`` and ``iat`` are checked when present; ``iss`` and
  ``aud`` when configured; ``leeway`` seconds of clock skew are tolerated. Time checks use an
  injectable ``now`` so they are testable without sleeping.
- Tokens never appear in an exception message or a log line: :func:`redact_path` removes them
  from request paths, :func:`redact_secrets` from any log line (the drivers' log filter).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt

from ..errors import ConfigurationError, OmniTrackError
from ..text import is_clean

__all__ = [
    "SUBPROTOCOL",
    "AuthConfig",
    "AuthRejected",
    "Principal",
    "algorithms_for_key",
    "authenticate_handshake",
    "authenticate_request",
    "development_secret",
    "development_secret_path",
    "header_values",
    "is_same_origin",
    "is_user_id",
    "mint_token",
    "redact_path",
    "redact_secrets",
    "verify_token",
]

SUBPROTOCOL = "omnitrack.v1"
"""The subprotocol the server answers; never the ``bearer.<jwt>`` entry itself."""

_BEARER_SUBPROTOCOL_PREFIX = "bearer."
_HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
_ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_SUPPORTED_ALGORITHMS = _HMAC_ALGORITHMS | _ASYMMETRIC_ALGORITHMS


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthConfig:
    """How tokens are verified (and minted, for ``omnitrack token``).

    ``algorithms`` is the closed list of accepted ``alg`` values. HMAC algorithms need
    ``secret``; RSA/EC algorithms need ``public_key`` to verify and ``private_key`` to mint.
    ``allowed_origins`` empty means any origin; a request without an ``Origin`` header (a
    non-browser SDK) is always allowed; listed origins match exactly.
    """

    secret: str | None = field(default=None, repr=False)
    public_key: str | None = None
    private_key: str | None = field(default=None, repr=False)
    algorithms: tuple[str, ...] = ("HS256",)
    issuer: str | None = None
    audience: str | None = None
    leeway: float = 30.0
    allowed_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.algorithms:
            raise ConfigurationError("at least one JWT algorithm must be configured")
        unknown = [alg for alg in self.algorithms if alg not in _SUPPORTED_ALGORITHMS]
        if unknown:
            raise ConfigurationError(f"unsupported JWT algorithm(s): {', '.join(unknown)}")
        if self.leeway < 0:
            raise ConfigurationError("JWT leeway must not be negative")

    def __repr__(self) -> str:
        # Written by hand so the secret and the private key can never reach a log via repr().
        return (
            f"AuthConfig(secret={'[redacted]' if self.secret else None}, "
            f"public_key={'<PEM>' if self.public_key else None}, "
            f"private_key={'[redacted]' if self.private_key else None}, "
            f"algorithms={self.algorithms!r}, issuer={self.issuer!r}, "
            f"audience={self.audience!r}, leeway={self.leeway!r}, "
            f"allowed_origins={self.allowed_origins!r})"
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> AuthConfig:
        """Build a configuration from ``OMNITRACK_JWT_SECRET``, ``OMNITRACK_JWT_ISSUER`` and
        ``OMNITRACK_JWT_AUDIENCE``; keyword overrides win (``None`` overrides are ignored so a
        CLI can pass its unset options straight through).

        When ``public_key`` is given and ``algorithms`` is not, the algorithm is inferred from
        the key type (RSA -> RS256, EC -> ES256, Ed25519 -> EdDSA).
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get("OMNITRACK_JWT_SECRET"):
            values["secret"] = env["OMNITRACK_JWT_SECRET"]
        if env.get("OMNITRACK_JWT_ISSUER"):
            values["issuer"] = env["OMNITRACK_JWT_ISSUER"]
        if env.get("OMNITRACK_JWT_AUDIENCE"):
            values["audience"] = env["OMNITRACK_JWT_AUDIENCE"]
        values.update({key: value for key, value in overrides.items() if value is not None})
        if "algorithms" in values:
            values["algorithms"] = tuple(values["algorithms"])
        elif values.get("public_key"):
            values["algorithms"] = algorithms_for_key(values["public_key"])
        if "allowed_origins" in values:
            values["allowed_origins"] = tuple(values["allowed_origins"])
        return cls(**values)

    def verification_key(self, algorithm: str) -> str:
        """The key that verifies tokens signed with ``algorithm`` (raises ConfigurationError)."""
        if algorithm in _HMAC_ALGORITHMS:
            if not self.secret:
                raise ConfigurationError(f"{algorithm} needs a secret (OMNITRACK_JWT_SECRET)")
            return self.secret
        if not self.public_key:
            raise ConfigurationError(f"{algorithm} needs a public key (--jwt-public-key FILE)")
        return self.public_key

    def signing_key(self, algorithm: str) -> str:
        """The key that signs tokens with ``algorithm`` (raises ConfigurationError)."""
        if algorithm in _HMAC_ALGORITHMS:
            if not self.secret:
                raise ConfigurationError(f"{algorithm} needs a secret (OMNITRACK_JWT_SECRET)")
            return self.secret
        if not self.private_key:
            raise ConfigurationError(f"minting {algorithm} tokens needs the private key")
        return self.private_key


def algorithms_for_key(pem: str) -> tuple[str, ...]:
    """The algorithm a PEM public (or private) key verifies: RS256, ES256 or EdDSA."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    data = pem.encode()
    key: Any
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError("the JWT key is not a PEM RSA, EC or Ed25519 key") from exc
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return ("RS256",)
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return ("ES256",)
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return ("EdDSA",)
    raise ConfigurationError("the JWT key is not a PEM RSA, EC or Ed25519 key")


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user: ``sub``, the ``scope`` claim's words, and ``exp``."""

    user_id: str
    scopes: frozenset[str]
    expires_at: float

    def has_scope(self, scope: str) -> bool:
        """Whether the token granted ``scope`` (e.g. ``events:publish``)."""
        return scope in self.scopes


class AuthRejected(OmniTrackError):
    """The handshake (or an in-band ``auth``) is refused.

    ``status`` is the HTTP status to answer before the upgrade: 401 for a missing, malformed,
    badly signed or expired token; 403 when ``userId`` differs from ``sub`` or the Origin is not
    allowed; 400 when an identity parameter is given twice. ``reason`` is short and safe to
    send to the peer: it never contains the token.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(status, reason)
        self.status = status
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.status}: {self.reason}"


def _jwt_reason(exc: jwt.PyJWTError) -> str:
    """A clear, token-free reason for a PyJWT failure."""
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"token has no '{exc.claim}' claim"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "token audience is not accepted"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "token issuer is not accepted"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "token signature is invalid"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "token algorithm is not accepted"
    if isinstance(exc, jwt.InvalidKeyError):
        return "token cannot be verified with the configured key"
    if isinstance(exc, jwt.DecodeError):
        return "token is malformed"
    return "token is invalid"


def verify_token(token: str, config: AuthConfig, *, now: float | None = None) -> Principal:
    """Verify ``token`` and return its principal; raise ``AuthRejected(401)`` otherwise.

    ``now`` (epoch seconds) defaults to the wall clock; tests pass it to check expiry without
    waiting.
    """
    if not token:
        raise AuthRejected(401, "missing token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthRejected(401, "token is malformed") from exc
    algorithm = header.get("alg")
    # Pinning: the token's own header never chooses the algorithm or the key family.
    if not isinstance(algorithm, str) or algorithm not in config.algorithms:
        raise AuthRejected(401, "token algorithm is not accepted")
    key = config.verification_key(algorithm)
    options: dict[str, Any] = {
        "require": ["exp", "sub"],
        # Time claims are checked below against the injectable clock.
        "verify_exp": False,
        "verify_nbf": False,
        "verify_iat": False,
        "verify_aud": config.audience is not None,
        "verify_iss": config.issuer is not None,
    }
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options=options,  # type: ignore[arg-type]
            audience=config.audience,
            issuer=config.issuer,
        )
    except jwt.PyJWTError as exc:
        raise AuthRejected(401, _jwt_reason(exc)) from exc
    return _principal(claims, config, time.time() if now is None else now)


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthRejected(401, f"token '{name}' claim is not a number")
    try:
        return float(value)
    except OverflowError:  # an integer of hundreds of digits: no time anyone means
        raise AuthRejected(401, f"token '{name}' claim is out of range") from None


def is_user_id(value: str) -> bool:
    """Whether ``value`` can be a user id: not empty, one line, no control, invisible or bidi
    character (a user id shows in logs and in other connections' frames)."""
    return bool(value) and is_clean(value) and "\n" not in value and "\t" not in value


def _principal(claims: Mapping[str, Any], config: AuthConfig, now: float) -> Principal:
    expires_at = _number(claims, "exp")
    if expires_at is None:
        raise AuthRejected(401, "token has no 'exp' claim")
    if now > expires_at + config.leeway:
        raise AuthRejected(401, "token has expired")
    not_before = _number(claims, "nbf")
    if not_before is not None and now < not_before - config.leeway:
        raise AuthRejected(401, "token is not valid yet")
    issued_at = _number(claims, "iat")
    if issued_at is not None and issued_at > now + config.leeway:
        raise AuthRejected(401, "token was issued in the future")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not is_user_id(subject):
        raise AuthRejected(401, "token 'sub' claim is not a user id")
    scope = claims.get("scope", "")
    if isinstance(scope, str):
        scopes = frozenset(scope.split())
    elif isinstance(scope, list) and all(isinstance(item, str) for item in scope):
        scopes = frozenset(scope)
    else:
        raise AuthRejected(401, "token 'scope' claim is not a string")
    return Principal(user_id=subject, scopes=scopes, expires_at=expires_at)


def header_values(headers: Mapping[str, str], name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive), whatever the mapping type."""
    get_all = getattr(headers, "get_all", None)
    if callable(get_all):  # websockets.datastructures.Headers (a multi-dict)
        return [str(value) for value in get_all(name)]
    lowered = name.lower()
    return [value for key, value in headers.items() if key.lower() == lowered]


def _subprotocols(headers: Mapping[str, str]) -> list[str]:
    offered: list[str] = []
    for value in header_values(headers, "Sec-WebSocket-Protocol"):
        offered.extend(item.strip() for item in value.split(",") if item.strip())
    return offered


#: Query parameters that say who is connecting: each may appear once.
_IDENTITY_PARAMETERS = ("userId", "token")


def _identity_query(path: str) -> dict[str, str]:
    """The query's parameters, refusing (400) a duplicated identity parameter: with
    ``?userId=bob&userId=alice`` one reader would check bob and another act as alice."""
    pairs = parse_qsl(urlsplit(path).query, keep_blank_values=True)
    query: dict[str, str] = {}
    for name, value in pairs:
        if name in query and name in _IDENTITY_PARAMETERS:
            raise AuthRejected(400, f"the query parameter '{name}' is given more than once")
        query[name] = value
    return query


def _token_from(
    headers: Mapping[str, str], query: Mapping[str, str], subprotocols: Iterable[str]
) -> str | None:
    """The token, from the first of: the Authorization header, a ``bearer.`` subprotocol,
    ``?token=``. Each source may carry one token only (400 otherwise)."""
    authorizations = header_values(headers, "Authorization")
    if len(authorizations) > 1:
        raise AuthRejected(400, "the Authorization header is given more than once")
    bearers = [item for item in subprotocols if item.startswith(_BEARER_SUBPROTOCOL_PREFIX)]
    if len(bearers) > 1:
        raise AuthRejected(400, "more than one bearer.<token> subprotocol is offered")
    for value in authorizations:
        scheme, _, credentials = value.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise AuthRejected(401, "Authorization header is not 'Bearer <token>'")
        return credentials.strip()
    for item in bearers:
        return item[len(_BEARER_SUBPROTOCOL_PREFIX) :]
    return query.get("token") or None


def is_same_origin(headers: Mapping[str, str]) -> bool:
    """Whether the request's ``Origin`` is the server itself: its host and port are the
    ``Host`` the request was sent to (a page the server served, such as the console; a browser
    sets both headers, and a page elsewhere cannot make them agree)."""
    origins = header_values(headers, "Origin")
    hosts = header_values(headers, "Host")
    if len(origins) != 1 or len(hosts) != 1:
        return False
    scheme, sep, origin_host = origins[0].partition("://")
    return bool(sep) and scheme in ("http", "https") and origin_host == hosts[0].strip()


def _check_origin(headers: Mapping[str, str], config: AuthConfig, same_origin: bool) -> None:
    origins = header_values(headers, "Origin")
    if not origins or not config.allowed_origins or origins[0] in config.allowed_origins:
        return
    if same_origin and is_same_origin(headers):
        return
    raise AuthRejected(403, "origin not allowed")


def authenticate_request(
    headers: Mapping[str, str],
    config: AuthConfig,
    *,
    same_origin: bool = False,
    now: float | None = None,
) -> Principal:
    """Authenticate a plain HTTP request (the console's ``GET /api/twin``): the token only from
    ``Authorization: Bearer`` (never the URL, which browsers keep in their history), and a
    present ``Origin`` checked as for a handshake. Raises :class:`AuthRejected`."""
    _check_origin(headers, config, same_origin)
    token = _token_from(headers, {}, ())
    if token is None:
        raise AuthRejected(401, "missing token")
    return verify_token(token, config, now=now)


def authenticate_handshake(
    path: str,
    headers: Mapping[str, str],
    config: AuthConfig,
    *,
    same_origin: bool = False,
    now: float | None = None,
) -> tuple[Principal, str | None]:
    """Authenticate a WebSocket handshake; return the principal and the subprotocol to answer.

    The token comes from ``Authorization: Bearer``, else the ``bearer.<jwt>`` entry of
    ``Sec-WebSocket-Protocol``, else ``?token=``. ``?userId=``, when present, must equal ``sub``
    (403); a present ``Origin`` must be allowed (403): listed, or any when none is listed, or
    the server's own when ``same_origin`` (a page it served). The subprotocol returned is
    ``"omnitrack.v1"`` when the client offered it (browsers fail a handshake whose offered
    subprotocols all go unanswered), else ``None``; the token entry is never echoed.
    Identity given twice is refused with 400: ``?userId=`` or ``?token=`` repeated, two
    ``Authorization`` headers, two ``bearer.`` subprotocols.
    Raises :class:`AuthRejected`.
    """
    _check_origin(headers, config, same_origin)
    query = _identity_query(path)
    offered = _subprotocols(headers)
    token = _token_from(headers, query, offered)
    if token is None:
        raise AuthRejected(401, "missing token")
    principal = verify_token(token, config, now=now)
    claimed_user = query.get("userId")
    if claimed_user is not None and claimed_user != principal.user_id:
        raise AuthRejected(403, "userId does not match the token")
    return principal, (SUBPROTOCOL if SUBPROTOCOL in offered else None)


def mint_token(
    user_id: str,
    config: AuthConfig,
    *,
    ttl: float = 3600,
    scopes: Sequence[str] = (),
    now: float | None = None,
) -> str:
    """A token for ``user_id`` valid ``ttl`` seconds, signed with the configuration's first
    algorithm (``secret`` for HMAC, ``private_key`` for RSA/EC); carries iss/aud when set."""
    if not user_id:
        raise ConfigurationError("a token needs a user id")
    if not is_user_id(user_id):
        raise ConfigurationError(
            "a user id cannot contain control, invisible or bidirectional characters"
        )
    issued_at = int(time.time() if now is None else now)
    claims: dict[str, Any] = {"sub": user_id, "iat": issued_at, "exp": issued_at + int(ttl)}
    if scopes:
        claims["scope"] = " ".join(scopes)
    if config.issuer is not None:
        claims["iss"] = config.issuer
    if config.audience is not None:
        claims["aud"] = config.audience
    algorithm = config.algorithms[0]
    try:
        return jwt.encode(claims, config.signing_key(algorithm), algorithm=algorithm)
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"cannot sign a {algorithm} token with the configured key"
        ) from exc


def _default_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    root = Path(base) if base else Path.home() / ".config"
    return root / "omnitrack"


def development_secret_path(config_dir: Path | None = None) -> Path:
    """Where :func:`development_secret` keeps the secret (nothing is created)."""
    return (config_dir if config_dir is not None else _default_config_dir()) / "dev-secret"


def development_secret(config_dir: Path | None = None) -> tuple[str, Path]:
    """The development HS256 secret shared by ``serve`` and ``token`` when none is configured.

    Generated once into ``config_dir/dev-secret`` (default ``$XDG_CONFIG_HOME/omnitrack``, else
    ``~/.config/omnitrack``) with mode 0600, then reused. Returns the secret and the file path.
    """
    path = development_secret_path(config_dir)
    directory = path.parent
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            # O_EXCL: two processes starting together agree on one secret (the loser reads).
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            secret = path.read_text(encoding="utf-8").strip()
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            if secret:
                return secret, path
            # An empty file (a crash between create and write): write a fresh secret into it.
            fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        secret = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
        return secret, path
    except OSError as exc:
        raise ConfigurationError(f"cannot read or create the development secret {path}") from exc


_SENSITIVE_PARAMETERS = frozenset(
    {
        "token",
        "access_token",
        "id_token",
        "jwt",
        "auth",
        "authorization",
        "bearer",
        "key",
        "api_key",
        "apikey",
        "secret",
        "password",
    }
)
#: Something that may be a JWT (JWS or JWE, compact): base64url segments joined by dots, the
#: dots possibly percent-encoded; :func:`_is_jwt` then checks that the first decodes to a JOSE
#: header, which keeps host names and dotted identifiers out.
_JWT_CANDIDATE = re.compile(r"[A-Za-z0-9_-]{8,}(?:(?:\.|%2[eE])[A-Za-z0-9_-]*){1,4}")
_SEPARATOR = re.compile(r"\.|%2[eE]")


def _is_jwt(candidate: str) -> bool:
    """Whether ``candidate`` starts with a base64url JSON object naming an algorithm."""
    header = _SEPARATOR.split(candidate, maxsplit=1)[0]
    try:
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        value = json.loads(decoded)
    except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
        return False
    return isinstance(value, dict) and ("alg" in value or "enc" in value)


def _contains_jwt(text: str) -> bool:
    return any(_is_jwt(match[0]) for match in _JWT_CANDIDATE.finditer(text))


def redact_path(path: str) -> str:
    """``path`` fit for a log line: the value of every token-like query parameter (and any value
    holding a JWT, percent-encoded or not) becomes ``[redacted]``; other parameters such as
    ``userId`` stay."""
    base, separator, query = path.partition("?")
    if not separator:
        return path
    parts: list[str] = []
    for item in query.split("&"):
        name, equals, value = item.partition("=")
        if equals and (
            unquote(name).lower() in _SENSITIVE_PARAMETERS or _contains_jwt(unquote(value))
        ):
            parts.append(f"{name}=[redacted]")
        else:
            parts.append(item)
    return f"{base}?{'&'.join(parts)}"


#: What a log line may carry that gives access, with what replaces it.
_SECRET_PATTERNS = (
    # Header lines (websockets logs "< Authorization: ..."), whatever follows on the line.
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization|(?:set-)?cookie|x-api-key|x-auth-token)"
            r"(\s*[:=]\s*)\S.*"
        ),
        r"\1\2[redacted]",
    ),
    (re.compile(r"(?i)\bbearer([ .]|%20)[\w.~+/=%-]+"), r"bearer\1[redacted]"),
    (
        re.compile(r"(?i)(\"(?:token|access_token|id_token|secret|password)\"\s*:\s*\")[^\"]*"),
        r"\1[redacted]",
    ),
)
#: A URL's query in free text: from ``?`` to the first character a URL cannot hold unquoted.
_QUERY = re.compile(r"\?[^\s\"'<>]*")


def redact_secrets(text: str) -> str:
    """``text`` (a log line) with everything token-shaped redacted: the values of sensitive or
    JWT-carrying query parameters in any URL (:func:`redact_path`), ``Authorization``,
    ``Cookie`` and API-key header lines, ``Bearer``/``bearer.`` credentials, JSON ``token``
    fields, and any JWT anywhere (its dots percent-encoded or not)."""
    text = _QUERY.sub(lambda match: redact_path(match[0]), text)
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return _JWT_CANDIDATE.sub(
        lambda match: "[redacted-jwt]" if _is_jwt(match[0]) else match[0], text
    )
