// The console: sign-in, the two sockets (/copilot and /ws), and the views of the chat, the
// map, the alerts and the event feed. Everything shown is built with textContent (dom.js,
// markdown.js); the token lives in this tab's sessionStorage and travels only as the
// `bearer.<jwt>` subprotocol and the Authorization header of /api/twin.

import { h, replaceChildren } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { ReconnectingSocket, socketUrl } from "./connection.js";
import { Chat } from "./chat.js";
import { TwinMap } from "./twinmap.js";

const TOKEN_KEY = "omnitrack.token";
const CONVERSATION_KEY = "omnitrack.conversation";
const CHANNELS = ["digital_twin_update", "alert_notification", "scenario_progress", "agent_status"];
const FEED_SIZE = 100;

const $ = (id) => document.getElementById(id);

let session = null; // {token, copilot, events, chat, map, ...} while signed in

/** A development link (omnitrack demo --web) carries the token in the fragment, which never
 * reaches a server: move it into this tab's storage and out of the address bar and history. */
function takeFragmentToken() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token");
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(null, "", window.location.pathname + window.location.search);
}

function claims(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload));
  } catch {
    return {};
  }
}

async function fetchTwin(token) {
  const response = await fetch("api/twin", {
    headers: { Authorization: `Bearer ${token}` },
    cache: "no-store",
    credentials: "omit",
  });
  if (response.status === 404) return { status: 404, snapshot: null };
  if (!response.ok) {
    let reason = `HTTP ${response.status}`;
    try {
      reason = (await response.json()).error || reason;
    } catch {}
    return { status: response.status, reason, snapshot: null };
  }
  return { status: 200, snapshot: await response.json() };
}

function showSignIn(error = "") {
  $("sign-in").hidden = false;
  $("console").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  $("sign-in-error").textContent = error;
  renderConnection();
}

async function signIn(token) {
  let checked;
  try {
    checked = await fetchTwin(token);
  } catch {
    checked = { status: 0, snapshot: null }; // the server is away: the sockets will wait for it
  }
  if (checked.status === 401 || checked.status === 403 || checked.status === 400) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(`The server refused this token (${checked.reason}).`);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  startSession(token, checked.snapshot);
}

function signOut() {
  if (session) {
    session.copilot.stop();
    session.events.stop();
    clearInterval(session.ticker);
  }
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(CONVERSATION_KEY);
  replaceChildren($("messages"));
  replaceChildren($("events"));
  showSignIn();
}

function startSession(token, snapshot) {
  const who = claims(token).sub;
  $("who").textContent = who ? `signed in as ${who}` : "";
  $("sign-in").hidden = true;
  $("console").hidden = false;
  $("sign-out").hidden = false;
  const state = {
    token,
    alerts: new Map(),
    lastSeq: 0,
    rendered: new Map(),
    opened: false,
    fetching: false,
    stale: false,
  };
  state.map = new TwinMap($("map"), showNode);
  state.chat = new Chat(
    (frame) => state.copilot.send(frame),
    () => renderChat(),
    sessionStorage.getItem(CONVERSATION_KEY),
  );
  state.copilot = new ReconnectingSocket(socketUrl("copilot"), () => state.token, {
    onopen: () => {
      const chat = state.chat;
      if (chat.conversationId && !chat.messages.length) {
        state.copilot.send({ action: "history", conversationId: chat.conversationId, limit: 50 });
      }
      chat.connected();
    },
    onframe: (frame) => {
      if (frame.type === "history") loadHistory(frame);
      else state.chat.receive(frame);
    },
    onstate: renderConnection,
  });
  state.events = new ReconnectingSocket(socketUrl("ws"), () => state.token, {
    onopen: () => {
      const subscribe = { action: "subscribe", channels: CHANNELS };
      if (state.lastSeq) subscribe.afterSeq = state.lastSeq;
      state.events.send(subscribe);
      if (state.opened) refreshTwin(); // what changed while we were away
      state.opened = true;
    },
    onframe: onEvent,
    onstate: renderConnection,
  });
  state.ticker = setInterval(renderConnection, 250);
  session = state;
  if (snapshot) loadTwin(snapshot);
  else state.map.render();
  renderAlerts();
  renderChat();
  state.copilot.start();
  state.events.start();
}

// ------------------------------------------------------------------ connection state

function renderConnection() {
  const pill = $("connection-state");
  const detail = $("connection-detail");
  const retry = $("retry-now");
  if (!session) {
    pill.textContent = "signed out";
    pill.className = "pill";
    detail.textContent = "";
    retry.hidden = true;
    return;
  }
  const sockets = [session.copilot, session.events];
  const stopped = sockets.find((s) => s.state === "stopped");
  const waiting = sockets.filter((s) => s.state === "waiting");
  let label = "connected";
  let kind = "open";
  let text = "";
  if (stopped) {
    [label, kind, text] = ["stopped", "stopped", stopped.reason];
  } else if (waiting.length) {
    const next = Math.min(...waiting.map((s) => s.retryAt || Date.now()));
    const seconds = Math.max(0, Math.ceil((next - Date.now()) / 1000));
    [label, kind, text] = ["offline", "waiting", `${waiting[0].reason}; retrying in ${seconds} s`];
  } else if (sockets.some((s) => s.state !== "open")) {
    [label, kind] = ["connecting", "connecting"];
  }
  const queued = session.chat.outbox.length;
  if (queued && kind !== "open") text += `${text ? "; " : ""}${queued} message${queued === 1 ? "" : "s"} queued`;
  if (pill.textContent !== label) pill.textContent = label;
  pill.className = `pill ${kind}`;
  if (detail.textContent !== text) detail.textContent = text;
  retry.hidden = !(stopped || waiting.length);
}

function retryNow() {
  if (!session) return;
  session.copilot.retryNow();
  session.events.retryNow();
}

// ------------------------------------------------------------------ chat

function loadHistory(frame) {
  const chat = session.chat;
  if (chat.messages.length || !Array.isArray(frame.messages)) return;
  for (const item of frame.messages) {
    chat.messages.push({
      id: String(item.messageId),
      role: item.role === "user" ? "user" : "assistant",
      content: String(item.content ?? ""),
      status: item.role === "user" ? "delivered" : "complete",
    });
  }
  renderChat();
}

function messageView(message) {
  const body = h("div", { class: "body" });
  if (message.role === "assistant") body.append(renderMarkdown(message.content));
  else body.textContent = message.content;
  const stateText = {
    queued: "queued: sent when the connection is back",
    sent: "sending…",
    waiting: "waiting for the turns before it",
    failed: "not sent",
    interrupted: "interrupted",
  }[message.status];
  return h(
    "li",
    { class: `message ${message.role} ${message.status}`, "data-status": message.status, "data-role": message.role },
    body,
    stateText ? h("span", { class: "state" }, stateText) : null,
  );
}

function renderChat() {
  if (!session) return;
  const chat = session.chat;
  if (chat.conversationId) sessionStorage.setItem(CONVERSATION_KEY, chat.conversationId);
  const list = $("messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const rendered = session.rendered;
  const wanted = [];
  for (const message of chat.messages) {
    const signature = `${message.status}|${message.content.length}`;
    let cached = rendered.get(message.id);
    if (!cached || cached.signature !== signature) {
      cached = { signature, element: messageView(message) };
      rendered.set(message.id, cached);
    }
    wanted.push(cached.element);
  }
  if (wanted.length !== list.children.length || wanted.some((element, i) => list.children[i] !== element)) {
    replaceChildren(list, wanted);
  }
  if (nearBottom) list.scrollTop = list.scrollHeight;
  $("typing").hidden = !chat.typing;
  $("notice").hidden = !chat.notice;
  $("notice").textContent = chat.notice;
  const buttons = chat.suggestions.map((text) =>
    h("button", { type: "button", class: "suggestion", onclick: () => chat.say(text) }, text),
  );
  replaceChildren($("suggestions"), buttons);
  renderConnection();
}

// ------------------------------------------------------------------ twin, alerts, events

function loadTwin(snapshot) {
  session.map.load(snapshot);
  session.alerts = new Map((snapshot.alerts || []).map((alert) => [alert.alertId, alert]));
  renderCounts(snapshot);
  renderAlerts();
  if (session.map.selected) showNode(session.map.nodes.get(session.map.selected) || null);
}

/** Load a fresh snapshot. One read at a time; a twin update that arrives while one is under
 * way makes it stale (it may have been read before that change), so it is read again rather
 * than drawn over the newer state. */
async function refreshTwin() {
  const current = session;
  if (current.fetching) {
    current.stale = true;
    return;
  }
  current.fetching = true;
  try {
    do {
      current.stale = false;
      const { snapshot } = await fetchTwin(current.token);
      if (session !== current) return;
      if (snapshot && !current.stale) loadTwin(snapshot);
    } while (current.stale);
  } catch {
    // offline: the next reconnect asks again
  } finally {
    current.fetching = false;
  }
}

function renderCounts(data) {
  if (typeof data?.nodeCount !== "number") return;
  $("twin-counts").textContent =
    `${data.nodeCount} node${data.nodeCount === 1 ? "" : "s"} · ${data.healthyNodes} healthy · ` +
    `${data.degradedNodes} degraded · ${data.disruptedNodes} disrupted`;
}

function showNode(node) {
  const panel = $("node-details");
  if (!node) {
    panel.hidden = true;
    return;
  }
  const where = node.location || {};
  const place = [where.city, where.country].filter(Boolean).join(", ") || where.region || "";
  const rows = [
    ["Name", node.name],
    ["Id", node.id],
    ["Type", String(node.type || "").replace(/_/g, " ")],
    ["Status", node.status],
    ["Place", place],
    ["Coordinates", `${Number(where.latitude).toFixed(2)}, ${Number(where.longitude).toFixed(2)}`],
    ["Capacity", Number(node.capacity).toLocaleString()],
    ["Inventory", Number(node.inventory).toLocaleString()],
    ["Utilization", `${Math.round(Number(node.utilization) * 100)}%`],
  ];
  const links = session.map.connections.filter((c) => c.source === node.id || c.target === node.id).length;
  rows.push(["Links", String(links)]);
  replaceChildren(
    panel,
    h("dl", {}, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
  );
  panel.hidden = false;
}

function renderAlerts() {
  if (!session) return;
  const alerts = [...session.alerts.values()].sort((a, b) => Number(b.createdAt) - Number(a.createdAt));
  const act = (verb, alert) => () => session.chat.say(`${verb} alert ${alert.alertId}`);
  const items = alerts.map((alert) =>
    h(
      "li",
      { class: `alert ${alert.status}`, "data-alert": alert.alertId },
      h("span", { class: `badge ${alert.severity}` }, alert.severity),
      h("span", { class: "text" }, alert.message),
      h("span", { class: "status" }, String(alert.status).toLowerCase()),
      alert.status === "ACTIVE" ? h("button", { type: "button", onclick: act("Acknowledge", alert) }, "Acknowledge") : null,
      alert.status === "ACTIVE" || alert.status === "ACKNOWLEDGED"
        ? h("button", { type: "button", onclick: act("Resolve", alert) }, "Resolve")
        : null,
    ),
  );
  replaceChildren($("alerts"), items.length ? items : [h("li", { class: "empty" }, "No alerts.")]);
}

function summary(type, data) {
  if (data && typeof data === "object") {
    if (typeof data.message === "string") return data.message;
    if (Array.isArray(data.changes) && data.changes.length) {
      return data.changes
        .map((change) => {
          const what = String(change.change || "changed").replace(/_/g, " ");
          const name = change.node?.name || change.name || change.alertId || "";
          const link = change.connection ? `${change.connection.source} ${change.connection.arrow || "→"} ${change.connection.target}` : "";
          return [what, name || link].filter(Boolean).join(" ");
        })
        .join("; ");
    }
    if (type === "scenario_progress") return `${data.scenario || data.scenarioId} ${data.progress}% ${data.stage || data.status || ""}`;
    if (type === "agent_status") return `${data.agent || "agent"} ${data.status || ""}`;
  }
  const text = JSON.stringify(data);
  return text && text.length > 160 ? `${text.slice(0, 159)}…` : text || "";
}

function onEvent(frame) {
  if (typeof frame.seq === "number" && frame.seq > session.lastSeq) session.lastSeq = frame.seq;
  if (["subscribed", "unsubscribed", "pong", "error", "auth_ok"].includes(frame.type)) return;
  const { type, data } = frame;
  if (session.fetching && (type === "digital_twin_update" || type === "alert_notification")) {
    session.stale = true; // the snapshot being read may predate this
  }
  if (type === "digital_twin_update") {
    if (!session.map.apply(data)) refreshTwin();
    for (const change of data?.changes || []) {
      const alert = change.change === "alert_updated" && session.alerts.get(change.alertId);
      if (alert) alert.status = String(change.status).toUpperCase();
    }
    renderCounts(data);
    renderAlerts();
    if (session.map.selected) showNode(session.map.nodes.get(session.map.selected) || null);
  } else if (type === "alert_notification" && data?.alertId) {
    session.alerts.set(data.alertId, data);
    renderAlerts();
  }
  const when = new Date(frame.timestamp || Date.now());
  const time = Number.isNaN(when.getTime()) ? "" : when.toLocaleTimeString();
  const item = h(
    "li",
    { class: "event", "data-type": String(type) },
    h("time", {}, time),
    h("span", { class: "type" }, String(type)),
    h("span", { class: "summary" }, summary(type, data)),
  );
  const feed = $("events");
  feed.prepend(item);
  while (feed.children.length > FEED_SIZE) feed.lastElementChild.remove();
}

// ------------------------------------------------------------------ start

function main() {
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    $("token").value = "";
    if (token) signIn(token);
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("message");
    const text = input.value.trim();
    if (!text || !session) return;
    input.value = "";
    session.chat.say(text);
  });
  $("retry-now").addEventListener("click", retryNow);
  $("sign-out").addEventListener("click", signOut);
  takeFragmentToken();
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) signIn(token);
  else showSignIn();
}

main();
