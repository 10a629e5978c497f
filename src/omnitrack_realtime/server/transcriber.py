"""Speech to text for voice messages: a pluggable :class:`Transcriber`.

The one implementation here, :class:`HttpTranscriber`, posts the audio to an
OpenAI-compatible ``/audio/transcriptions`` endpoint (multipart form: ``file`` and ``model``;
answer ``{"text": ...}``), configured by :class:`~.config.SpeechConfig` (``omnitrack serve``
reads ``OMNITRACK_STT_URL``, the API base such as ``https://api.openai.com/v1`` or the full
``.../audio/transcriptions`` URL, ``OMNITRACK_STT_MODEL``, default ``whisper-1``, and
``OMNITRACK_STT_API_KEY``, sent as a Bearer token and never logged). Without
one a voice message is refused with :data:`NO_TRANSCRIBER`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from typing import Protocol

from ..errors import OmniTrackError

__all__ = [
    "AUDIO_TYPES",
    "NO_TRANSCRIBER",
    "HttpTranscriber",
    "Transcriber",
    "TranscriptionFailed",
]

logger = logging.getLogger("omnitrack_realtime.server")

#: Media types that make an attachment a voice message.
AUDIO_TYPES = frozenset(
    {
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/ogg",
        "audio/opus",
        "audio/webm",
        "audio/mpeg",
    }
)
NO_TRANSCRIBER = (
    "voice needs a transcriber; set OMNITRACK_STT_URL (an OpenAI-compatible API base such as"
    " https://api.openai.com/v1), and OMNITRACK_STT_API_KEY and OMNITRACK_STT_MODEL if it"
    " needs them"
)
_DEFAULT_MODEL = "whisper-1"


class TranscriptionFailed(OmniTrackError):
    """The transcriber could not turn the audio into text; ``reason`` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class Transcriber(Protocol):
    """Turns one audio file into text."""

    async def transcribe(self, audio: bytes, *, name: str, content_type: str) -> str: ...


class HttpTranscriber:
    """An OpenAI-compatible ``/audio/transcriptions`` endpoint (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        model: str = _DEFAULT_MODEL,
        api_key: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        base = url.rstrip("/")
        self.url = (
            base if base.endswith("/audio/transcriptions") else f"{base}/audio/transcriptions"
        )
        self.model = model
        self._api_key = api_key
        self.timeout = timeout

    def __repr__(self) -> str:  # the key stays out of every log line
        return f"HttpTranscriber({self.url!r}, model={self.model!r})"

    async def transcribe(self, audio: bytes, *, name: str, content_type: str) -> str:
        return await asyncio.to_thread(self._post, audio, name, content_type)

    def _post(self, audio: bytes, name: str, content_type: str) -> str:
        boundary = uuid.uuid4().hex
        body = _multipart(
            boundary,
            fields={"model": self.model, "response_format": "json"},
            file=("file", name, content_type, audio),
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise TranscriptionFailed(
                f"the transcriber refused the audio (HTTP {exc.code})"
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TranscriptionFailed("the transcriber could not be reached") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise TranscriptionFailed("the transcriber's answer was not JSON") from exc
        text = payload.get("text") if isinstance(payload, dict) else None
        if not isinstance(text, str):
            raise TranscriptionFailed("the transcriber's answer had no text")
        return text.strip()


def _multipart(
    boundary: str, *, fields: Mapping[str, str], file: tuple[str, str, str, bytes]
) -> bytes:
    parts: list[bytes] = []
    for key, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    field, filename, content_type, data = file
    safe_name = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}";'
            f' filename="{safe_name}"\r\nContent-Type: {content_type}\r\n\r\n'
        ).encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)
