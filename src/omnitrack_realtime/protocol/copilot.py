"""Messages of the ``/copilot`` channel, as typed structs (see docs/protocol.md).

Field names are snake_case in Python and camelCase on the wire (``rename="camel"``). Every
extension field is optional and defaults to ``None``; encoders omit defaults, so a seed peer
never sees a field it does not know unless it carries a value. Unknown fields are ignored.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "Acknowledgment",
    "AssistantMessage",
    "AttachmentInfo",
    "AuthAction",
    "AuthOk",
    "CancelAction",
    "ClientAction",
    "Complete",
    "DownloadAction",
    "ErrorMessage",
    "History",
    "HistoryAction",
    "HistoryEntry",
    "MessageAction",
    "PingAction",
    "Pong",
    "ReadAction",
    "ReadReceipt",
    "RequestQueued",
    "ResumeAction",
    "ServerMessage",
    "StreamComplete",
    "StreamInterrupted",
    "StreamStart",
    "StreamToken",
    "Suggestions",
    "Sync",
    "SyncAction",
    "Timestamp",
    "Typing",
    "TypingAction",
    "UploadAck",
    "UploadComplete",
    "UploadEndAction",
    "UploadReady",
    "UploadStartAction",
    "UserTyping",
]

#: Integer milliseconds since the epoch on our servers; seed servers may send seconds or ISO-8601.
Timestamp = int | float | str | None


class _ClientBase(
    msgspec.Struct, tag_field="action", rename="camel", omit_defaults=True, kw_only=True
):
    pass


class _ServerBase(
    msgspec.Struct, tag_field="type", rename="camel", omit_defaults=True, kw_only=True
):
    pass


# --------------------------------------------------------------------------- client -> server


class MessageAction(_ClientBase, tag="message", omit_defaults=False):
    """Send a chat message. ``conversation_id=None`` starts a new conversation.

    Encoded with every field, defaults included: a seed server reads ``streaming`` and
    ``conversationId`` from each message (a missing ``streaming`` would mean a non-streamed
    answer there), so they are always on the wire, as in the seed's own client.
    """

    message: str
    conversation_id: str | None = None
    streaming: bool = True
    client_message_id: str | None = None
    #: Extension: ids of attachments (``upload_complete``) the message refers to. UNSET (not
    #: None) so that this struct, which encodes its defaults, never sends it to a seed server.
    attachments: list[str] | msgspec.UnsetType = msgspec.UNSET


class CancelAction(_ClientBase, tag="cancel"):
    conversation_id: str
    stream_id: str | None = None


class ResumeAction(_ClientBase, tag="resume"):
    conversation_id: str
    stream_id: str
    after_seq: int = 0


class SyncAction(_ClientBase, tag="sync"):
    """Reconciliation after a reconnect (extension): the client holds every stored message of
    the conversation up to ``after_seq``; the server answers with a :class:`Sync`."""

    conversation_id: str
    after_seq: int = 0


class TypingAction(_ClientBase, tag="typing"):
    conversation_id: str | None = None


class ReadAction(_ClientBase, tag="read"):
    conversation_id: str
    message_id: str


class HistoryAction(_ClientBase, tag="history"):
    conversation_id: str
    limit: int | None = None
    before: str | None = None


class AuthAction(_ClientBase, tag="auth"):
    token: str

    def __repr__(self) -> str:  # never print a token, not even in a traceback
        return "AuthAction(token=<redacted>)"


class PingAction(_ClientBase, tag="ping"):
    pass


class UploadStartAction(_ClientBase, tag="upload_start"):
    """Begin (or resume, with the same ``upload_id``) an attachment upload (extension).

    ``upload_id`` is made by the client (a UUID) and is unique per user; ``size`` is the
    exact byte count and ``sha256`` the lower-case hex digest of the whole content, both
    checked before and after the bytes arrive. The bytes follow as binary chunk frames
    (:mod:`.chunks`). Without ``sha256`` the digest comes at the end, in an
    :class:`UploadEndAction` (so a client hashes while it sends)."""

    upload_id: str
    name: str
    content_type: str
    size: int
    sha256: str | None = None


class UploadEndAction(_ClientBase, tag="upload_end"):
    """The SHA-256 of an upload started without one, sent after its last chunk (extension):
    the server checks the stored bytes against it once every byte is stored."""

    upload_id: str
    sha256: str


class DownloadAction(_ClientBase, tag="download"):
    """Read back ``length`` bytes (at most the server's chunk size) of one of the user's
    attachments from ``offset`` (extension); the answer is one binary chunk frame."""

    attachment_id: str
    offset: int = 0
    length: int | None = None


ClientAction = (
    MessageAction
    | CancelAction
    | ResumeAction
    | TypingAction
    | ReadAction
    | HistoryAction
    | SyncAction
    | AuthAction
    | PingAction
    | UploadStartAction
    | UploadEndAction
    | DownloadAction
)

# --------------------------------------------------------------------------- server -> client


class Acknowledgment(_ServerBase, tag="acknowledgment"):
    """The message was received. ``queued`` (extension): how many earlier turns of its
    conversation run before its own (absent when it starts at once); ``message_seq``
    (extension): the stored message's sequence number in its conversation."""

    message: str = ""
    timestamp: Timestamp = None
    conversation_id: str | None = None
    client_message_id: str | None = None
    message_id: str | None = None
    queued: int | None = None
    message_seq: int | None = None
    #: Extension: a voice message's transcript, which became the stored message's text.
    transcript: str | None = None


class Typing(_ServerBase, tag="typing"):
    timestamp: Timestamp = None
    conversation_id: str | None = None


class AssistantMessage(_ServerBase, tag="message"):
    """A whole (non-streamed) assistant answer; ``client_message_id`` (extension) names the
    message it answers, as on every frame that opens or closes an answer."""

    content: str = ""
    conversation_id: str | None = None
    timestamp: Timestamp = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    message_id: str | None = None
    client_message_id: str | None = None
    message_seq: int | None = None


class StreamStart(_ServerBase, tag="stream_start"):
    conversation_id: str | None = None
    timestamp: Timestamp = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    stream_id: str | None = None
    message_id: str | None = None
    client_message_id: str | None = None


class StreamToken(_ServerBase, tag="stream_token"):
    token: str = ""
    conversation_id: str | None = None
    timestamp: Timestamp = None
    stream_id: str | None = None
    seq: int | None = None


class StreamComplete(_ServerBase, tag="stream_complete"):
    """The end of a streamed answer; ``message_id`` and ``message_seq`` (extensions): the
    stored answer's id and sequence number in its conversation."""

    conversation_id: str | None = None
    timestamp: Timestamp = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    stream_id: str | None = None
    client_message_id: str | None = None
    message_id: str | None = None
    message_seq: int | None = None


class StreamInterrupted(_ServerBase, tag="stream_interrupted"):
    conversation_id: str | None = None
    timestamp: Timestamp = None
    error: str = ""
    partial_response: str = ""
    stream_id: str | None = None
    seq: int | None = None
    client_message_id: str | None = None
    message_seq: int | None = None


class Suggestions(_ServerBase, tag="suggestions"):
    suggestions: list[str] = msgspec.field(default_factory=list)
    conversation_id: str | None = None
    timestamp: Timestamp = None


class Complete(_ServerBase, tag="complete"):
    conversation_id: str | None = None
    timestamp: Timestamp = None


class ErrorMessage(_ServerBase, tag="error"):
    """An error. ``client_message_id`` names the message it refuses; ``stream_id`` (extension)
    the stream a refused ``resume`` or ``cancel`` was about."""

    error: str = ""
    timestamp: Timestamp = None
    code: str | None = None
    conversation_id: str | None = None
    client_message_id: str | None = None
    retry_after: float | None = None
    stream_id: str | None = None
    upload_id: str | None = None
    attachment_id: str | None = None


class RequestQueued(_ServerBase, tag="request_queued"):
    message: str = ""
    timestamp: Timestamp = None
    position: int | None = None


class UserTyping(_ServerBase, tag="user_typing"):
    conversation_id: str | None = None
    user_id: str | None = None
    timestamp: Timestamp = None


class ReadReceipt(_ServerBase, tag="read_receipt"):
    conversation_id: str | None = None
    message_id: str | None = None
    user_id: str | None = None
    timestamp: Timestamp = None


class HistoryEntry(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """A stored message; ``seq`` (extension): its sequence number in its conversation."""

    message_id: str
    role: str
    content: str
    timestamp: Timestamp = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    seq: int | None = None


class History(_ServerBase, tag="history"):
    conversation_id: str | None = None
    messages: list[HistoryEntry] = msgspec.field(default_factory=list)


class Sync(_ServerBase, tag="sync"):
    """The answer to a :class:`SyncAction` (extension): the stored messages after its
    ``afterSeq`` (oldest first), the ``clientMessageId`` of every turn of the conversation
    not ended yet (``pending``: their frames now reach this connection live), the newest
    ``seq`` of the conversation, ``more`` when the messages stop short of it (ask again after
    the last one), and ``retry_after`` when the request was over the replay budget (no
    messages now: ask again after that many seconds)."""

    conversation_id: str | None = None
    messages: list[HistoryEntry] = msgspec.field(default_factory=list)
    pending: list[str] = msgspec.field(default_factory=list)
    seq: int | None = None
    more: bool = False
    retry_after: float | None = None


class AttachmentInfo(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """A stored attachment, as ``upload_complete`` and a message's ``metadata.attachments``
    describe it (extension)."""

    attachment_id: str
    name: str
    content_type: str
    size: int
    sha256: str


class UploadReady(_ServerBase, tag="upload_ready", omit_defaults=False):
    """An ``upload_start`` was accepted: send the bytes from ``offset`` (what the server
    already holds: 0, or where an interrupted upload stopped) in chunks of at most
    ``chunk_size`` bytes, keeping up to ``window`` bytes unacknowledged (the server
    acknowledges at the latest when that many have arrived) (extension)."""

    upload_id: str = ""
    offset: int = 0
    chunk_size: int = 0
    window: int = 0


class UploadAck(_ServerBase, tag="upload_ack", omit_defaults=False):
    """The server has stored the upload's bytes up to ``offset`` (extension)."""

    upload_id: str = ""
    offset: int = 0


class UploadComplete(_ServerBase, tag="upload_complete", omit_defaults=False):
    """Every byte arrived and matched ``sha256``: the attachment is stored (extension)."""

    upload_id: str = ""
    attachment: AttachmentInfo | None = None


class AuthOk(_ServerBase, tag="auth_ok"):
    expires_at: int | None = None


class Pong(_ServerBase, tag="pong"):
    timestamp: Timestamp = None


ServerMessage = (
    Acknowledgment
    | Typing
    | AssistantMessage
    | StreamStart
    | StreamToken
    | StreamComplete
    | StreamInterrupted
    | Suggestions
    | Complete
    | ErrorMessage
    | RequestQueued
    | UserTyping
    | ReadReceipt
    | History
    | Sync
    | AuthOk
    | Pong
    | UploadReady
    | UploadAck
    | UploadComplete
)
