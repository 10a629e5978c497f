"""JWT verification, the handshake's token lookup, origin checks, minting and redaction."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import string
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from omnitrack_realtime.errors import ConfigurationError
from omnitrack_realtime.server.auth import (
    AuthConfig,
    AuthRejected,
    Principal,
    algorithms_for_key,
    authenticate_handshake,
    development_secret,
    is_user_id,
    mint_token,
    redact_path,
    redact_secrets,
    verify_token,
)

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
NOW = 1_800_000_000.0


@pytest.fixture
def config() -> AuthConfig:
    return AuthConfig(secret=SECRET)


def _hs256(claims: dict[str, object], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _claims(**extra: object) -> dict[str, object]:
    claims: dict[str, object] = {"sub": "alice", "iat": int(NOW), "exp": int(NOW) + 3600}
    claims.update(extra)
    return claims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256_by_hand(claims: dict[str, object], key: str) -> str:
    """An HS256 token with any key, even a PEM (PyJWT refuses to sign with one)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{_b64(signature.digest())}"


def _rsa_keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[str, str]:
    return _rsa_keys()


def _rejected(token: str, config: AuthConfig, status: int = 401) -> AuthRejected:
    with pytest.raises(AuthRejected) as caught:
        verify_token(token, config, now=NOW)
    assert caught.value.status == status
    assert not token or token not in caught.value.reason
    return caught.value


class TestVerifyToken:
    def test_valid_hs256_gives_principal(self, config: AuthConfig) -> None:
        token = _hs256(_claims(scope="events:publish chat"))
        principal = verify_token(token, config, now=NOW)
        assert principal == Principal(
            user_id="alice",
            scopes=frozenset({"events:publish", "chat"}),
            expires_at=NOW + 3600,
        )
        assert principal.has_scope("events:publish")

    def test_alg_none_is_rejected(self, config: AuthConfig) -> None:
        header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(_claims()).encode())
        error = _rejected(f"{header}.{payload}.", config)
        assert error.reason == "token algorithm is not accepted"

    def test_wrong_key_is_rejected(self, config: AuthConfig) -> None:
        error = _rejected(_hs256(_claims(), secret="another-secret-" + "x" * 40), config)
        assert error.reason == "token signature is invalid"

    def test_malformed_token_is_rejected(self, config: AuthConfig) -> None:
        assert _rejected("not-a-jwt", config).reason == "token is malformed"
        assert _rejected("", config).reason == "missing token"

    def test_expired_beyond_leeway_is_rejected(self, config: AuthConfig) -> None:
        token = _hs256(_claims(iat=int(NOW) - 3600, exp=int(NOW) - 31))
        assert _rejected(token, config).reason == "token has expired"

    def test_expired_within_leeway_is_accepted(self, config: AuthConfig) -> None:
        token = _hs256(_claims(iat=int(NOW) - 3600, exp=int(NOW) - 29))
        assert verify_token(token, config, now=NOW).user_id == "alice"

    def test_missing_exp_is_rejected(self, config: AuthConfig) -> None:
        token = _hs256({"sub": "alice"})
        assert _rejected(token, config).reason == "token has no 'exp' claim"

    def test_missing_sub_is_rejected(self, config: AuthConfig) -> None:
        token = _hs256({"exp": int(NOW) + 60})
        assert _rejected(token, config).reason == "token has no 'sub' claim"

    def test_nbf_in_the_future_is_rejected(self, config: AuthConfig) -> None:
        token = _hs256(_claims(nbf=int(NOW) + 120))
        assert _rejected(token, config).reason == "token is not valid yet"

    def test_iat_in_the_future_is_rejected(self, config: AuthConfig) -> None:
        token = _hs256(_claims(iat=int(NOW) + 120))
        assert _rejected(token, config).reason == "token was issued in the future"

    def test_issuer_and_audience_checked_when_configured(self) -> None:
        strict = AuthConfig(secret=SECRET, issuer="omnitrack", audience="copilot")
        good = _hs256(_claims(iss="omnitrack", aud="copilot"))
        assert verify_token(good, strict, now=NOW).user_id == "alice"
        wrong_issuer = _hs256(_claims(iss="evil", aud="copilot"))
        assert _rejected(wrong_issuer, strict).reason == "token issuer is not accepted"
        wrong_audience = _hs256(_claims(iss="omnitrack", aud="other"))
        assert _rejected(wrong_audience, strict).reason == "token audience is not accepted"
        missing = _hs256(_claims())
        assert _rejected(missing, strict).status == 401

    def test_issuer_and_audience_ignored_when_not_configured(self, config: AuthConfig) -> None:
        token = _hs256(_claims(iss="anyone", aud="anything"))
        assert verify_token(token, config, now=NOW).user_id == "alice"

    def test_rs256_with_generated_key(self, rsa_keys: tuple[str, str]) -> None:
        private, public = rsa_keys
        config = AuthConfig(public_key=public, private_key=private, algorithms=("RS256",))
        token = mint_token("bob", config, now=NOW, scopes=["events:publish"])
        assert jwt.get_unverified_header(token)["alg"] == "RS256"
        principal = verify_token(token, config, now=NOW)
        assert principal.user_id == "bob"
        assert principal.scopes == frozenset({"events:publish"})
        other_private, _ = _rsa_keys()
        forged = jwt.encode(_claims(), other_private, algorithm="RS256")
        assert _rejected(forged, config).reason == "token signature is invalid"

    def test_hs_rs_confusion_is_rejected(self, rsa_keys: tuple[str, str]) -> None:
        _, public = rsa_keys
        config = AuthConfig(public_key=public, algorithms=("RS256",))
        # The attack: sign HS256 with the public key's text as the HMAC secret.
        token = _hs256_by_hand(_claims(), public)
        assert _rejected(token, config).reason == "token algorithm is not accepted"

    def test_hs_token_refused_even_when_both_families_allowed(
        self, rsa_keys: tuple[str, str]
    ) -> None:
        _, public = rsa_keys
        # HS256 is allowed but only with `secret`: the public key is never an HMAC key.
        config = AuthConfig(public_key=public, secret=SECRET, algorithms=("RS256", "HS256"))
        forged = _hs256_by_hand(_claims(), public)
        assert _rejected(forged, config).reason == "token signature is invalid"

    def test_es256_key_type_is_inferred(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        public = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        assert algorithms_for_key(public) == ("ES256",)
        config = AuthConfig.from_env({}, public_key=public)
        assert config.algorithms == ("ES256",)
        token = jwt.encode(_claims(), key, algorithm="ES256")
        assert verify_token(token, config, now=NOW).user_id == "alice"


class TestConfig:
    def test_repr_redacts_secrets(self, rsa_keys: tuple[str, str]) -> None:
        private, public = rsa_keys
        text = repr(AuthConfig(secret=SECRET, private_key=private, public_key=public))
        assert SECRET not in text
        assert "PRIVATE" not in text
        assert "[redacted]" in text

    def test_from_env_reads_variables_and_overrides_win(self) -> None:
        env = {
            "OMNITRACK_JWT_SECRET": SECRET,
            "OMNITRACK_JWT_ISSUER": "iss-env",
            "OMNITRACK_JWT_AUDIENCE": "aud-env",
        }
        config = AuthConfig.from_env(env, issuer="iss-cli", audience=None, leeway=5)
        assert config.secret == SECRET
        assert config.issuer == "iss-cli"
        assert config.audience == "aud-env"
        assert config.leeway == 5

    def test_unknown_algorithm_is_a_configuration_error(self) -> None:
        with pytest.raises(ConfigurationError):
            AuthConfig(secret=SECRET, algorithms=("none",))

    def test_missing_key_is_a_configuration_error(self) -> None:
        with pytest.raises(ConfigurationError):
            mint_token("alice", AuthConfig())


class TestHandshake:
    def test_token_from_authorization_header(self, config: AuthConfig) -> None:
        token = mint_token("alice", config, now=NOW)
        headers = {"Authorization": f"Bearer {token}"}
        principal, subprotocol = authenticate_handshake("/copilot", headers, config, now=NOW)
        assert principal.user_id == "alice"
        assert subprotocol is None

    def test_token_from_subprotocol_answers_omnitrack_v1(self, config: AuthConfig) -> None:
        token = mint_token("alice", config, now=NOW)
        headers = {"sec-websocket-protocol": f"omnitrack.v1, bearer.{token}"}
        principal, subprotocol = authenticate_handshake("/ws", headers, config, now=NOW)
        assert principal.user_id == "alice"
        assert subprotocol == "omnitrack.v1"

    def test_token_from_query(self, config: AuthConfig) -> None:
        token = mint_token("alice", config, now=NOW)
        path = f"/copilot?userId=alice&token={token}"
        principal, subprotocol = authenticate_handshake(path, {}, config, now=NOW)
        assert principal.user_id == "alice"
        assert subprotocol is None

    def test_header_wins_over_query(self, config: AuthConfig) -> None:
        alice = mint_token("alice", config, now=NOW)
        bob = mint_token("bob", config, now=NOW)
        headers = {"Authorization": f"Bearer {alice}"}
        principal, _ = authenticate_handshake(f"/ws?token={bob}", headers, config, now=NOW)
        assert principal.user_id == "alice"

    def test_websockets_headers_type_is_supported(self, config: AuthConfig) -> None:
        from websockets.datastructures import Headers

        token = mint_token("alice", config, now=NOW)
        headers = Headers()
        headers["Sec-WebSocket-Protocol"] = "omnitrack.v1"
        headers["Sec-WebSocket-Protocol"] = f"bearer.{token}"
        principal, subprotocol = authenticate_handshake("/ws", headers, config, now=NOW)
        assert (principal.user_id, subprotocol) == ("alice", "omnitrack.v1")

    def test_missing_token_is_401(self, config: AuthConfig) -> None:
        with pytest.raises(AuthRejected) as caught:
            authenticate_handshake("/copilot?userId=alice", {}, config, now=NOW)
        assert (caught.value.status, caught.value.reason) == (401, "missing token")

    def test_non_bearer_authorization_is_401(self, config: AuthConfig) -> None:
        with pytest.raises(AuthRejected) as caught:
            authenticate_handshake("/ws", {"Authorization": "Basic abc"}, config, now=NOW)
        assert caught.value.status == 401

    def test_user_id_differing_from_sub_is_403(self, config: AuthConfig) -> None:
        token = mint_token("alice", config, now=NOW)
        with pytest.raises(AuthRejected) as caught:
            authenticate_handshake(f"/copilot?userId=mallory&token={token}", {}, config, now=NOW)
        assert caught.value.status == 403
        assert caught.value.reason == "userId does not match the token"

    def test_bad_origin_is_403_and_listed_origin_passes(self) -> None:
        config = AuthConfig(secret=SECRET, allowed_origins=("https://app.example",))
        token = mint_token("alice", config, now=NOW)
        auth = {"Authorization": f"Bearer {token}"}
        with pytest.raises(AuthRejected) as caught:
            authenticate_handshake("/ws", {**auth, "Origin": "https://evil.example"}, config)
        assert (caught.value.status, caught.value.reason) == (403, "origin not allowed")
        ok = {**auth, "Origin": "https://app.example"}
        assert authenticate_handshake("/ws", ok, config, now=NOW)[0].user_id == "alice"

    def test_no_origin_is_allowed(self) -> None:
        config = AuthConfig(secret=SECRET, allowed_origins=("https://app.example",))
        token = mint_token("alice", config, now=NOW)
        headers = {"Authorization": f"Bearer {token}"}
        assert authenticate_handshake("/ws", headers, config, now=NOW)[0].user_id == "alice"

    def test_any_origin_when_none_configured(self, config: AuthConfig) -> None:
        token = mint_token("alice", config, now=NOW)
        headers = {"Authorization": f"Bearer {token}", "Origin": "https://anywhere.example"}
        assert authenticate_handshake("/ws", headers, config, now=NOW)[0].user_id == "alice"

    def test_expired_token_in_handshake_is_401(self, config: AuthConfig) -> None:
        token = mint_token("alice", config, ttl=60, now=NOW - 1000)
        with pytest.raises(AuthRejected) as caught:
            authenticate_handshake(f"/ws?token={token}", {}, config, now=NOW)
        assert caught.value.status == 401
        assert token not in str(caught.value)


class TestMint:
    def test_minted_token_carries_claims(self) -> None:
        config = AuthConfig(secret=SECRET, issuer="omnitrack", audience="copilot")
        token = mint_token("alice", config, ttl=120, scopes=["events:publish"], now=NOW)
        claims = jwt.decode(
            token,
            SECRET,
            algorithms=["HS256"],
            audience="copilot",
            options={"verify_exp": False, "verify_iat": False},
        )
        assert claims == {
            "sub": "alice",
            "iat": int(NOW),
            "exp": int(NOW) + 120,
            "scope": "events:publish",
            "iss": "omnitrack",
            "aud": "copilot",
        }
        assert verify_token(token, config, now=NOW).expires_at == NOW + 120


class TestDevelopmentSecret:
    def test_created_with_mode_0600_and_reused(self, tmp_path: Path) -> None:
        directory = tmp_path / "omnitrack"
        secret, path = development_secret(directory)
        assert path == directory / "dev-secret"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert len(secret) >= 32
        again, again_path = development_secret(directory)
        assert (again, again_path) == (secret, path)

    def test_default_location_follows_xdg(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
        _, path = development_secret()
        assert path == tmp_path / "omnitrack" / "dev-secret"

    def test_loose_permissions_are_tightened(self, tmp_path: Path) -> None:
        secret, path = development_secret(tmp_path)
        path.chmod(0o644)
        assert development_secret(tmp_path)[0] == secret
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_secret_signs_and_verifies(self, tmp_path: Path) -> None:
        secret, _ = development_secret(tmp_path)
        config = AuthConfig(secret=secret)
        assert verify_token(mint_token("alice", config), config).user_id == "alice"


class TestRedactPath:
    def test_token_is_redacted_user_id_kept(self) -> None:
        path = "/copilot?userId=alice&token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig"
        assert redact_path(path) == "/copilot?userId=alice&token=[redacted]"

    def test_other_sensitive_names_and_jwt_shaped_values(self) -> None:
        path = "/ws?access_token=abc&jwt=def&x=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig&n=1"
        assert redact_path(path) == "/ws?access_token=[redacted]&jwt=[redacted]&x=[redacted]&n=1"

    def test_paths_without_query_are_unchanged(self) -> None:
        assert redact_path("/copilot") == "/copilot"
        assert redact_path("/ws?") == "/ws?"

    @given(
        token=st.text(alphabet=string.ascii_letters + string.digits + "-_.~%+", min_size=8),
        user=st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=20),
        name=st.sampled_from(["token", "access_token", "jwt", "TOKEN"]),
        first=st.booleans(),
    )
    def test_no_token_value_survives(self, token: str, user: str, name: str, first: bool) -> None:
        def path(value: str) -> str:
            params = [f"{name}={value}", f"userId={user}"]
            return "/copilot?" + "&".join(params if first else params[::-1])

        assert redact_path(path(token)) == path("[redacted]")


class TestIdentityGivenOnce:
    """``?userId=bob&userId=alice`` used to be read as alice (last wins) by one reader and
    could be read as bob by another: identity given twice is refused, 400."""

    @pytest.mark.parametrize(
        "query",
        [
            "userId=bob&userId=alice",
            "userId=alice&userId=alice",
            "token={t}&userId=alice&token={t}",
        ],
    )
    def test_a_repeated_identity_parameter_is_400(self, config: AuthConfig, query: str) -> None:
        token = mint_token("alice", config, now=NOW)
        with pytest.raises(AuthRejected) as info:
            authenticate_handshake(f"/copilot?{query.format(t=token)}", {}, config, now=NOW)
        assert info.value.status == 400
        assert "more than once" in info.value.reason
        assert token not in str(info.value)

    def test_other_repeated_parameters_are_fine(self, config: AuthConfig) -> None:
        token = mint_token("alice", config, now=NOW)
        path = f"/copilot?tag=a&tag=b&userId=alice&token={token}"
        assert authenticate_handshake(path, {}, config, now=NOW)[0].user_id == "alice"

    def test_two_authorization_headers_or_bearer_subprotocols_are_400(
        self, config: AuthConfig
    ) -> None:
        from websockets.datastructures import Headers

        alice, bob = (mint_token(user, config, now=NOW) for user in ("alice", "bob"))
        headers = Headers(
            [("Authorization", f"Bearer {alice}"), ("Authorization", f"Bearer {bob}")]
        )
        with pytest.raises(AuthRejected) as info:
            authenticate_handshake("/ws", headers, config, now=NOW)
        assert info.value.status == 400
        protocols = {"Sec-WebSocket-Protocol": f"omnitrack.v1, bearer.{alice}, bearer.{bob}"}
        with pytest.raises(AuthRejected) as info:
            authenticate_handshake("/ws", protocols, config, now=NOW)
        assert info.value.status == 400

    @pytest.mark.parametrize(
        "user", ["eve\u202eecila", "a\x1b[2J", "zero\u200bwidth", "two\nlines", "tab\there"]
    )
    def test_user_ids_with_control_invisible_or_bidi_characters(
        self, config: AuthConfig, user: str
    ) -> None:
        assert not is_user_id(user)
        claims = {"sub": user, "exp": NOW + 60}
        token = jwt.encode(claims, SECRET, algorithm="HS256")
        with pytest.raises(AuthRejected) as info:
            verify_token(token, config, now=NOW)
        assert info.value.status == 401
        with pytest.raises(ConfigurationError):
            mint_token(user, config, now=NOW)
        assert is_user_id("alice@example.com") and is_user_id("Zoë Müller")


def _jwt(claims: dict[str, object], header: dict[str, object] | None = None) -> str:
    def part(value: dict[str, object]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = part(header or {"alg": "HS256", "typ": "JWT"})
    body = part(claims)
    signature = hmac.new(b"k", f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


class TestRedactSecrets:
    TOKEN = _jwt({"sub": "alice", "exp": 1})
    # A header written with a space after the brace: its base64 does not start with "eyJ".
    SPACED = _jwt({"sub": "bob"}, {" alg": "x", "alg": "HS256"})

    def secret_parts(self, token: str) -> list[str]:
        return token.split(".")[1:]

    @pytest.mark.parametrize(
        "line",
        [
            "< GET /copilot?trace={t} HTTP/1.1",
            "< GET /ws?x={t_pct} HTTP/1.1",
            "< GET /ws?x={t_quoted}&userId=alice HTTP/1.1",
            "< Authorization: Bearer {t}",
            "< authorization: Basic dXNlcjpwYXNz",
            "< Sec-WebSocket-Protocol: omnitrack.v1, bearer.{t}",
            "< X-Trace: {t}",
            "< Cookie: session={t}",
            '< TEXT \'{{"action":"auth","token":"{t}"}}\' [300 bytes]',
            '127.0.0.1:5000 - "WebSocket /copilot?next={t}" [accepted]',
            "token in prose {t} and {spaced}",
        ],
    )
    def test_nothing_token_shaped_survives(self, line: str) -> None:
        from urllib.parse import quote

        token = self.TOKEN
        text = line.format(
            t=token,
            t_pct=token.replace(".", "%2E"),
            t_quoted=quote(token, safe=""),
            spaced=self.SPACED,
        )
        redacted = redact_secrets(text)
        for part in self.secret_parts(token) + self.secret_parts(self.SPACED):
            assert part not in redacted, redacted
        assert "dXNlcjpwYXNz" not in redacted
        assert "redacted" in redacted

    @pytest.mark.parametrize(
        "line",
        [
            "< GET /ws?userId=alice&afterSeq=12 HTTP/1.1",
            "< Host: omnitrack-production.internal-cluster.example.com:3001",
            "closing a slow consumer (user alice)",
            "stream stream-6c1d0c86-0b3c-4a57-9f1e-d0a2d6f5a1b2 interrupted",
            "version 1.2.3.4 at eyeglasses-warehouse.example.org",
        ],
    )
    def test_everything_else_is_left_alone(self, line: str) -> None:
        assert redact_secrets(line) == line

    @settings(derandomize=True)
    @given(
        claims=st.dictionaries(
            st.text(string.ascii_letters, min_size=1, max_size=8),
            st.text(string.printable, max_size=30),
            max_size=4,
        ),
        where=st.sampled_from(["/ws?{name}={t}", "{name}: {t}", "{t}", "x {t} y"]),
        name=st.text(string.ascii_letters + "-_", min_size=1, max_size=12),
    )
    def test_any_jwt_anywhere(self, claims: dict[str, object], where: str, name: str) -> None:
        token = _jwt(claims)
        redacted = redact_secrets(where.format(name=name, t=token))
        signature = token.rsplit(".", 1)[1]
        assert signature not in redacted
