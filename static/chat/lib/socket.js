// One WebSocket per page, multiplexing every conversation (API.md "WebSocket").
// It reconnects by itself with exponential backoff and jitter, pings to notice a
// dead connection, and re-dispatches every server frame as an event of its `type`
// so page modules subscribe with `socket.on("new_message", handler)`.

const CLOSE_SESSION_ENDED = 4001; // logout, password change, ban (docs/api.md)
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_FORBIDDEN_ORIGIN = 4403;
const CLOSE_SERVICE_RESTART = 1012; // the server process restarts; another one takes us
const RESTART_SPREAD_MS = 1000; // its sockets come back spread over this, not all at once

export class ChatSocket extends EventTarget {
  constructor(path, { baseDelay = 500, maxDelay = 15000, pingEvery = 25000 } = {}) {
    super();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.url = `${scheme}//${location.host}${path}`;
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
    this.pingEvery = pingEvery;
    this.ws = null;
    this.state = "idle"; // idle | connecting | open | waiting | paused | stopped
    this.attempt = 0;
    this.connections = 0; // how many times `connected` arrived: >1 means a reconnect
    this.retryAt = 0;
    this.timer = null;
    this.pingTimer = null;
    this.lastFrameAt = 0;
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    });
  }

  on(type, handler) {
    this.addEventListener(type, (event) => handler(event.detail));
    return this;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit("state", { state, attempt: this.attempt, retryAt: this.retryAt, ...extra });
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.state === "open";
  }

  start() {
    if (this.state === "stopped") return;
    clearTimeout(this.timer);
    this.setState("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("message", (event) => {
      if (ws === this.ws) this.handleFrame(event.data);
    });
    ws.addEventListener("close", (event) => this.handleClose(ws, event));
  }

  handleFrame(raw) {
    this.lastFrameAt = Date.now();
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    if (frame.type === "connected") {
      this.attempt = 0;
      this.connections += 1;
      this.setState("open");
      this.startPing();
      frame.reconnected = this.connections > 1;
    }
    this.emit(frame.type, frame);
    this.emit("frame", frame);
  }

  handleClose(ws, event) {
    if (ws !== this.ws) return; // an older socket we already replaced
    this.ws = null;
    clearInterval(this.pingTimer);
    if (this.state === "stopped") return;
    if (event.code === CLOSE_UNAUTHENTICATED) {
      this.setState("stopped", { reason: "unauthenticated" });
      this.emit("unauthenticated", { code: event.code });
      return;
    }
    if (event.code === CLOSE_SESSION_ENDED) {
      // Not retried blindly: the page checks whether its session still holds (it does
      // after our own password change) and calls start() again, or goes to login.
      this.setState("paused", { reason: "session_ended" });
      this.emit("session_ended", { code: event.code });
      return;
    }
    if (event.code === CLOSE_FORBIDDEN_ORIGIN) {
      this.setState("stopped", { reason: "forbidden" });
      return;
    }
    if (event.code === CLOSE_SERVICE_RESTART) {
      // Not a failure: reconnect at once (jittered), through the proxy to another replica.
      this.attempt = 0;
      this.scheduleReconnect(Math.random() * RESTART_SPREAD_MS);
      return;
    }
    // Anything else — the network, 4013 "too slow" (the server cut a socket that fell
    // behind): reconnect with backoff; the page catches up with after=.
    this.scheduleReconnect();
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, capped. */
  nextDelay() {
    const exp = Math.min(this.maxDelay, this.baseDelay * 2 ** this.attempt);
    return exp / 2 + Math.random() * (exp / 2);
  }

  scheduleReconnect(delay = this.nextDelay()) {
    clearTimeout(this.timer);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.setState("waiting");
    this.timer = setTimeout(() => this.start(), delay);
  }

  /** Skip the wait (the browser came back online, the tab became visible). */
  reconnectNow() {
    if (this.state === "waiting") this.start();
  }

  startPing() {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > this.pingEvery * 2.5) {
        this.drop(); // nothing heard for too long: the connection is dead
        return;
      }
      this.send({ type: "ping" });
    }, this.pingEvery);
  }

  /** Send a frame; false when the socket is not open (callers fall back to REST). */
  send(frame) {
    if (!this.isOpen) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Give up on the current connection as a network failure would; reconnection follows.
   * The close handshake may never finish on a dead network, so do not wait for it.
   */
  drop() {
    const ws = this.ws;
    if (!ws || this.state === "stopped") return;
    this.ws = null; // its late close event is ignored (handleClose checks identity)
    clearInterval(this.pingTimer);
    try {
      ws.close(4000, "dropped by client");
    } catch {
      /* already closed */
    }
    this.scheduleReconnect();
  }

  /** Close for good (logout). */
  stop() {
    this.setState("stopped");
    clearTimeout(this.timer);
    clearInterval(this.pingTimer);
    if (this.ws) this.ws.close(1000, "bye");
  }
}
