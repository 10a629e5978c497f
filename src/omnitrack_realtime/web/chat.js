// The conversation's state, fed by /copilot frames, without any DOM: messages, the outbox of
// messages the server has not acknowledged (kept while offline and resent with the same
// clientMessageId, so the server answers each once), answers assembled token by token (by
// streamId, tokens deduplicated by seq), suggestions and the typing indicator.

const RETRYABLE = new Set(["rate_limited", "unavailable"]);

function newId() {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Chat {
  /** @param {(frame: object) => boolean} send  false when offline */
  constructor(send, onchange, conversationId = null) {
    this.send = send;
    this.onchange = onchange;
    this.conversationId = conversationId;
    this.messages = [];
    this.outbox = []; // user messages not yet acknowledged, oldest first
    this.suggestions = [];
    this.typing = false;
    this.notice = "";
    this._retryTimer = null;
  }

  /** Queue `text` and send it when the connection allows. */
  say(text) {
    const message = {
      id: newId(),
      role: "user",
      content: text,
      clientMessageId: newId(),
      status: "queued",
      written: false,
      holdUntil: 0,
    };
    this.messages.push(message);
    this.outbox.push(message);
    this.suggestions = [];
    this.flush();
    this.onchange();
  }

  /** The connection (re)opened: everything unacknowledged goes again, answers resume. */
  connected() {
    for (const message of this.outbox) message.written = false;
    for (const answer of this.messages) {
      if (answer.role === "assistant" && answer.status === "streaming" && answer.streamId) {
        this.send({
          action: "resume",
          conversationId: answer.conversationId,
          streamId: answer.streamId,
          afterSeq: answer.lastSeq,
        });
      }
    }
    this.flush();
  }

  flush() {
    const now = Date.now();
    for (const message of this.outbox) {
      if (message.holdUntil > now) break; // a refused message goes first, in order
      if (!message.written) {
        const written = this.send({
          action: "message",
          message: message.content,
          conversationId: this.conversationId,
          streaming: true,
          clientMessageId: message.clientMessageId,
        });
        if (!written) break;
        message.written = true;
        message.status = "sent";
      }
      // Until the server names the conversation, one message at a time: all land in one.
      if (this.conversationId === null) break;
    }
    this.onchange();
  }

  /** One /copilot frame. */
  receive(frame) {
    const handler = this[`_on_${frame.type}`];
    if (typeof handler === "function") {
      handler.call(this, frame);
      this.onchange();
    }
  }

  _user(clientMessageId) {
    return this.messages.find((m) => m.role === "user" && m.clientMessageId === clientMessageId);
  }

  _answer(frame) {
    const byStream = frame.streamId && this.messages.find((m) => m.streamId === frame.streamId);
    if (byStream) return byStream;
    const answer = {
      id: newId(),
      role: "assistant",
      content: "",
      status: "streaming",
      streamId: frame.streamId || null,
      replyTo: frame.clientMessageId || null,
      conversationId: frame.conversationId || this.conversationId,
      lastSeq: 0,
      metadata: {},
    };
    this.messages.push(answer);
    return answer;
  }

  _on_acknowledgment(frame) {
    if (frame.conversationId && this.conversationId === null) this.conversationId = frame.conversationId;
    this.notice = "";
    const message = frame.clientMessageId ? this._user(frame.clientMessageId) : this.outbox[0];
    if (message) {
      message.status = frame.queued ? "waiting" : "delivered";
      this.outbox = this.outbox.filter((m) => m !== message);
    }
    this.flush();
  }

  _on_typing() {
    this.typing = true;
  }

  _on_stream_start(frame) {
    this.typing = false;
    const answer = this._answer(frame);
    answer.metadata = { ...answer.metadata, ...(frame.metadata || {}) };
    const asked = frame.clientMessageId && this._user(frame.clientMessageId);
    if (asked) asked.status = "delivered";
  }

  _on_stream_token(frame) {
    const answer = this._answer(frame);
    if (typeof frame.seq === "number") {
      if (frame.seq <= answer.lastSeq) return; // a replay of what is here already
      answer.lastSeq = frame.seq;
    }
    answer.content += String(frame.token ?? "");
  }

  _on_stream_complete(frame) {
    this.typing = false;
    const answer = this._answer(frame);
    if (answer.status !== "streaming") return;
    answer.status = "complete";
    answer.metadata = { ...answer.metadata, ...(frame.metadata || {}) };
    if (Array.isArray(frame.metadata?.suggestions)) this.suggestions = frame.metadata.suggestions.map(String);
  }

  _on_stream_interrupted(frame) {
    this.typing = false;
    const answer = this._answer(frame);
    const partial = String(frame.partialResponse ?? "");
    if (partial.length > answer.content.length) answer.content = partial;
    answer.status = "interrupted";
  }

  _on_message(frame) {
    this.typing = false;
    if (frame.clientMessageId && this.messages.some((m) => m.role === "assistant" && m.replyTo === frame.clientMessageId)) {
      return; // a replay
    }
    const answer = this._answer({ ...frame, streamId: null });
    answer.content = String(frame.content ?? "");
    answer.status = "complete";
    answer.metadata = frame.metadata || {};
    if (Array.isArray(frame.metadata?.suggestions)) this.suggestions = frame.metadata.suggestions.map(String);
  }

  _on_suggestions(frame) {
    if (Array.isArray(frame.suggestions)) this.suggestions = frame.suggestions.map(String);
  }

  _on_error(frame) {
    this.typing = false;
    const message = frame.clientMessageId && this._user(frame.clientMessageId);
    if (message && RETRYABLE.has(frame.code)) {
      const seconds = Number(frame.retryAfter) > 0 ? Number(frame.retryAfter) : 1;
      message.written = false;
      message.status = "queued";
      message.holdUntil = Date.now() + seconds * 1000;
      clearTimeout(this._retryTimer);
      this._retryTimer = setTimeout(() => this.flush(), seconds * 1000);
      this.notice = `${frame.error || "The server is busy"}; sending again in ${Math.ceil(seconds)} s`;
      return;
    }
    if (frame.code === "stream_not_found" && frame.streamId) {
      const answer = this.messages.find((m) => m.streamId === frame.streamId);
      if (answer) {
        answer.content += " [interrupted]";
        answer.status = "interrupted";
      }
      return;
    }
    if (message) {
      message.status = "failed";
      this.outbox = this.outbox.filter((m) => m !== message);
    }
    this.messages.push({ id: newId(), role: "error", content: String(frame.error || "error"), status: "complete" });
  }
}
