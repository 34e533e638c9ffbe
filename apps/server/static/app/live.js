// The live connection: /ws/connect, authenticated by an `auth` message (never by a token in the
// URL, which proxies and servers write to their access logs), the `downloads` room, keepalive
// pings and reconnecting by itself with a growing delay. Listeners subscribe by message type ("*" = all).

import { BASE, token } from "./api.js";

export class Live {
  constructor() {
    this.listeners = new Map();
    this.socket = null;
    this.delay = 1000;
    this.state = "closed";
    this.stopped = false;
    this.ping = null;
  }

  /** Calls `fn(data, message)` for messages of `type`; returns an unsubscribe function. */
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type).delete(fn);
  }

  emit(type, data, msg) {
    for (const key of [type, "*"]) {
      for (const fn of this.listeners.get(key) || []) {
        try { fn(data, msg); } catch (e) { console.error(e); }
      }
    }
  }

  setState(state) {
    this.state = state;
    this.emit("_state", state);
  }

  /** Opens the connection (again after a drop, until `close`). */
  connect() {
    const t = token();
    if (!t || this.stopped) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${proto}//${location.host}${BASE}/ws/connect`;
    this.setState("connecting");
    let socket;
    try {
      socket = new WebSocket(url);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.delay = 1000;
      this.setState("open");
      socket.authenticated = false;
      socket.send(JSON.stringify({ action: "auth", data: { token: t } }));
      socket.send(JSON.stringify({ action: "join", data: { room: "downloads" } }));
      clearInterval(this.ping);
      this.ping = setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ action: "ping" }));
      }, 25000);
      this.emit("_open", null);
    });
    socket.addEventListener("message", (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch { return; }
      if (!msg || typeof msg.type !== "string") return;
      if (msg.type === "system_info" && msg.data && msg.data.authenticated) socket.authenticated = true;
      // The token was refused (revoked or expired): as a 1008 close, the same token cannot
      // reconnect, and the next API call sends the user to the login page.
      if (msg.type === "error" && !socket.authenticated) {
        this.stopped = true;
        clearInterval(this.ping);
        socket.close();
        this.setState("closed");
        return;
      }
      this.emit(msg.type, msg.data || {}, msg);
    });
    socket.addEventListener("close", (e) => {
      // A socket given up already (markUnreachable) has been replaced: its close is old news.
      if (this.socket !== socket) return;
      clearInterval(this.ping);
      this.socket = null;
      // 1008: the token was revoked (logout) or expired; the same token cannot reconnect, and the
      // next API call sends the user to the login page.
      if (e.code === 1008) {
        this.stopped = true;
        this.setState("closed");
        return;
      }
      this.retry();
    });
  }

  retry() {
    if (this.stopped) return;
    this.setState("reconnecting");
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, 30000);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  /** Reconnects now instead of after the waiting delay ("Reconnect now", the service is back). */
  reconnectNow() {
    if (this.stopped || this.state === "open" || this.state === "connecting") return;
    clearTimeout(this.timer);
    this.delay = 1000;
    this.connect();
  }

  /**
   * A request just failed to reach the service: the connection is shown as lost at once (the
   * socket notices a dead peer only after the keepalive).
   */
  markUnreachable() {
    if (this.stopped || this.state !== "open") return;
    const socket = this.socket;
    this.socket = null;
    clearInterval(this.ping);
    if (socket) socket.close();
    this.retry();
  }

  /** Closes for good (logout, page leave). */
  close() {
    this.stopped = true;
    clearInterval(this.ping);
    clearTimeout(this.timer);
    if (this.socket) this.socket.close();
  }
}
