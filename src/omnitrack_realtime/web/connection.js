// One WebSocket that comes back: the token travels as the `bearer.<jwt>` subprotocol (never in
// the URL), drops are retried after 1, 2, 4, 8... seconds (at most 30, with jitter), and
// `retryNow()` skips the wait. Close codes that say "stop" (policy, forbidden, token refused)
// stop it; the protocol's table is in docs/protocol.md.

const PROTOCOL = "omnitrack.v1";
const STOP_CODES = new Set([1000, 1002, 1003, 1007, 1008, 1010, 4401, 4403]);
const INITIAL_DELAY = 1000;
const MAX_DELAY = 30000;

/** The ws:// or wss:// URL of `path` on the server that served this page. */
export function socketUrl(path) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = "";
  url.hash = "";
  return url.href;
}

export class ReconnectingSocket {
  /**
   * @param {string} url
   * @param {() => string} token  read on every (re)connect
   * @param {{onopen?: () => void, onframe?: (frame: object) => void, onstate?: () => void}} hooks
   */
  constructor(url, token, hooks) {
    this.url = url;
    this.token = token;
    this.hooks = hooks;
    this.socket = null;
    this.state = "idle"; // connecting | open | waiting | stopped
    this.attempt = 0;
    this.retryAt = null;
    this.reason = "";
    this._timer = null;
  }

  start() {
    this._connect();
  }

  stop(reason = "signed out") {
    this._clearTimer();
    this._setState("stopped", reason);
    if (this.socket) this.socket.close(1000, "bye");
    this.socket = null;
  }

  /** Skip the wait before the next attempt. */
  retryNow() {
    if (this.state === "waiting" || this.state === "stopped") {
      this._clearTimer();
      this.attempt = 0;
      this._connect();
    }
  }

  /** Send a frame; false when the socket is not open (the caller keeps it). */
  send(frame) {
    if (this.state !== "open") return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  _connect() {
    this._setState("connecting", "");
    let socket;
    try {
      socket = new WebSocket(this.url, [PROTOCOL, `bearer.${this.token()}`]);
    } catch (error) {
      this._setState("stopped", `cannot open ${this.url}`);
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      if (socket !== this.socket) return;
      this.attempt = 0;
      this._setState("open", "");
      this.hooks.onopen?.();
    });
    socket.addEventListener("message", (message) => {
      if (socket !== this.socket || typeof message.data !== "string") return;
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return; // not JSON: nothing a server of ours sends
      }
      if (frame && typeof frame === "object") this.hooks.onframe?.(frame);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      if (this.state === "stopped") return;
      if (STOP_CODES.has(event.code)) {
        const why = event.code === 4401 ? "the token expired or was refused" : event.reason || `closed (${event.code})`;
        this._setState("stopped", why);
        return;
      }
      this._scheduleRetry(event.code === 1013 || event.code === 1012 ? "the server is restarting" : "connection lost");
    });
  }

  _scheduleRetry(reason) {
    const base = Math.min(INITIAL_DELAY * 2 ** this.attempt, MAX_DELAY);
    const delay = base * (0.9 + Math.random() * 0.2);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this._timer = setTimeout(() => {
      this._timer = null;
      this._connect();
    }, delay);
    this._setState("waiting", reason);
  }

  _clearTimer() {
    if (this._timer !== null) clearTimeout(this._timer);
    this._timer = null;
    this.retryAt = null;
  }

  _setState(state, reason) {
    this.state = state;
    this.reason = reason;
    if (state !== "waiting") this.retryAt = null;
    this.hooks.onstate?.();
  }
}
