// What every logged-in page shares: the config from the server, the one socket,
// the connection indicator, presence of friends, the bell (notifications, or
// pending friend requests until the notifications API exists) and the user's own
// avatar in the top bar.

import { api, ApiError } from "./api.js";
import { personAvatar } from "./avatar.js";
import { blockPerson } from "./block.js";
import { clear, h, shortTime, toast } from "./dom.js";
import { clearDrafts } from "./drafts.js";
import { ChatSocket } from "./socket.js";
import { startStatusPicker } from "./status.js";

export function readConfig() {
  const node = document.getElementById("chat-config");
  return node ? JSON.parse(node.textContent) : {};
}

/** Who is online, among the user's friends: seeded from REST, kept live by events. */
/**
 * Friends' presence as this page last heard it. While our own socket is down we hear
 * nothing, so what we knew is stale: it reads "unknown" until the reconnect's fresh list
 * arrives (`replace`). A "change" event with `userId: null` means "everyone".
 */
export class Presence extends EventTarget {
  constructor() {
    super();
    this.online = new Set();
    this.statuses = new Map(); // user id -> "online" | "away" | "dnd" while online
    this.seen = new Map(); // user id -> ISO "last seen" (or null: hidden, unknown)
    this.known = true;
  }

  /** `status`: what an online friend shows (online, away, dnd); `lastSeen` when offline. */
  set(userId, isOnline, status = "online", lastSeen = undefined) {
    const had = this.online.has(userId);
    const before = this.statuses.get(userId);
    if (isOnline) {
      this.online.add(userId);
      this.statuses.set(userId, status && status !== "offline" ? status : "online");
    } else {
      this.online.delete(userId);
      this.statuses.delete(userId);
      if (lastSeen !== undefined) this.seen.set(userId, lastSeen);
    }
    if ((had !== isOnline || before !== this.statuses.get(userId)) && this.known) {
      this.dispatchEvent(new CustomEvent("change", { detail: { userId, isOnline } }));
    }
  }

  /** From a REST friend or profile (`is_online`, `status`, `last_seen`). */
  setFrom(person) {
    if (person && typeof person.is_online === "boolean") {
      this.set(person.id, person.is_online, person.status, person.last_seen ?? null);
    }
  }

  /** When an offline friend was last seen (ISO), or null. */
  lastSeen(userId) {
    return this.seen.get(userId) ?? null;
  }

  /** Online for sure (false while unknown). */
  has(userId) {
    return this.known && this.online.has(userId);
  }

  /** "online", "offline" or "unknown" (our own connection is down). */
  status(userId) {
    if (!this.known) return "unknown";
    return this.online.has(userId) ? this.statuses.get(userId) || "online" : "offline";
  }

  forget() {
    if (!this.known) return;
    this.known = false;
    this.dispatchEvent(new CustomEvent("change", { detail: { userId: null } }));
  }

  /** The whole truth again: exactly these users are online (ids, or REST friends). */
  replace(onlineIds, friends = []) {
    this.online = new Set(onlineIds);
    this.statuses = new Map();
    for (const friend of friends) {
      if (friend.is_online) this.statuses.set(friend.id, friend.status || "online");
      else this.seen.set(friend.id, friend.last_seen ?? null);
    }
    this.known = true;
    this.dispatchEvent(new CustomEvent("change", { detail: { userId: null } }));
  }
}

const PRESENCE_TEXT = {
  online: () => gettext("Online"),
  away: () => gettext("Away"),
  dnd: () => gettext("Do not disturb"),
  offline: () => gettext("Offline"),
  unknown: () => gettext("Status unknown"),
};

/** The words for a presence status, capitalised as a label. */
export function presenceText(status) {
  return (PRESENCE_TEXT[status] || PRESENCE_TEXT.offline)();
}

/** "Last seen 5 min ago" for an ISO time (null: nothing to say). */
export function lastSeenText(iso) {
  if (!iso) return null;
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
  if (minutes < 1) return gettext("Last seen just now");
  if (minutes < 60) return interpolate(ngettext("Last seen %(n)s min ago", "Last seen %(n)s min ago", minutes), { n: minutes }, true);
  const hours = Math.round(minutes / 60);
  if (hours < 24) return interpolate(ngettext("Last seen %(n)s hour ago", "Last seen %(n)s hours ago", hours), { n: hours }, true);
  const days = Math.round(hours / 24);
  return interpolate(ngettext("Last seen %(n)s day ago", "Last seen %(n)s days ago", days), { n: days }, true);
}

/** The presence line of a friend: "Away", or "Last seen 5 min ago" when offline. */
export function presenceLine(presence, userId) {
  const status = presence.status(userId);
  return (status === "offline" && lastSeenText(presence.lastSeen(userId))) || presenceText(status);
}

function connectionIndicator(socket) {
  const status = document.getElementById("conn-status");
  let countdown = null;
  const show = (text, kind) => {
    status.hidden = false;
    status.textContent = text;
    status.dataset.kind = kind;
  };
  socket.addEventListener("state", (event) => {
    const { state, retryAt } = event.detail;
    document.body.dataset.connection = state;
    clearInterval(countdown);
    if (state === "open") {
      if (socket.connections > 1) {
        show(gettext("Reconnected"), "ok");
        setTimeout(() => {
          if (socket.state === "open") status.hidden = true;
        }, 2000);
      } else {
        status.hidden = true;
      }
    } else if (state === "connecting" || state === "paused") {
      show(socket.connections ? gettext("Reconnecting…") : gettext("Connecting…"), "warn");
    } else if (state === "waiting") {
      const tick = () => {
        const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
        show(interpolate(gettext("Connection lost — retrying in %(seconds)s s"), { seconds }, true), "error");
      };
      tick();
      countdown = setInterval(tick, 1000);
    } else if (state === "stopped") {
      show(gettext("Disconnected"), "error");
    }
  });
}

/**
 * The bell: pending friend requests (answerable in place) plus unread notifications
 * (friend requests accepted, added to a group, mentions). A friend_request
 * notification whose request is still pending shows once, as the request.
 */
class Bell {
  constructor(socket) {
    this.socket = socket;
    this.button = document.getElementById("bell-button");
    this.panel = document.getElementById("bell-panel");
    this.list = document.getElementById("bell-list");
    this.count = document.getElementById("bell-count");
    this.empty = document.getElementById("bell-empty");
    this.readAll = document.getElementById("bell-read-all");
    this.hasNotifications = true; // false once /api/notifications answers 404
    this.requests = [];
    this.notifications = [];
    this.button.addEventListener("click", () => this.toggle());
    document.addEventListener("click", (event) => {
      if (!this.panel.hidden && !event.target.closest(".bell")) this.toggle(false);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.panel.hidden) {
        this.toggle(false);
        this.button.focus();
      }
    });
    this.readAll.addEventListener("click", () => this.markAllRead());
    socket.on("notification", () => this.refresh());
    socket.on("notifications_read", () => this.refresh());
    socket.on("friend_request", () => this.refresh());
    socket.on("friend_request_accepted", () => this.refresh());
    socket.on("connected", (frame) => frame.reconnected && this.refresh());
    socket.on("user_updated", ({ user }) => this.updatePerson(user));
  }

  /** Someone's new picture or name, on the requests and notifications they sent. */
  updatePerson(user) {
    if (!user) return;
    const people = [...this.requests.map((r) => r.requester), ...this.notifications.map((n) => n.actor)];
    let found = false;
    for (const person of people) {
      if (person?.id !== user.id) continue;
      Object.assign(person, user);
      found = true;
    }
    if (found) this.render();
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
  }

  async refresh() {
    const [requests, notifications] = await Promise.allSettled([
      api.get("/api/friends/requests", { direction: "incoming" }),
      this.hasNotifications ? api.get("/api/notifications", { unread: "true" }) : Promise.resolve([]),
    ]);
    if (requests.status === "fulfilled" && Array.isArray(requests.value)) this.requests = requests.value;
    if (notifications.status === "fulfilled" && Array.isArray(notifications.value)) {
      this.notifications = notifications.value;
    } else if (notifications.reason instanceof ApiError && notifications.reason.status === 404) {
      this.hasNotifications = false; // a server without the notifications API
      this.notifications = [];
    }
    this.render();
  }

  get visibleNotifications() {
    const pendingFrom = new Set(this.requests.map((r) => r.requester?.id));
    return this.notifications.filter(
      (n) => !n.is_read && !(n.type === "friend_request" && pendingFrom.has(n.actor?.id)),
    );
  }

  render() {
    const notes = this.visibleNotifications;
    const total = this.requests.length + notes.length;
    this.count.hidden = total === 0;
    this.count.textContent = total > 99 ? "99+" : String(total);
    this.button.title = total ? interpolate(gettext("Notifications (%(count)s new)"), { count: total }, true) : gettext("Notifications");
    this.readAll.hidden = notes.length === 0;
    this.empty.hidden = total > 0;
    clear(this.list);
    for (const request of this.requests) this.list.append(this.requestItem(request));
    for (const notification of notes) this.list.append(this.notificationItem(notification));
    document.dispatchEvent(new CustomEvent("bell:changed", { detail: { count: total } }));
  }

  requestItem(request) {
    const who = request.requester?.username ?? "someone";
    const act = async (verb) => {
      try {
        await api.post(`/api/friends/requests/${request.id}/${verb}`);
        toast(verb === "accept" ? interpolate(gettext("You and %(name)s are now friends."), { name: who }, true) : gettext("Request rejected."));
        await this.markRead(
          (n) => n.type === "friend_request" && n.actor?.id === request.requester?.id,
        );
      } catch (error) {
        toast(error.message, "error");
      }
      this.refresh();
      document.dispatchEvent(new CustomEvent("friends:changed"));
    };
    return h(
      "li",
      { class: "bell-item unread" },
      h("span", { class: "bell-text" }, personAvatar(request.requester, { size: "xs" }), h("span", {}, h("strong", { text: who }), ` ${gettext("wants to be your friend")}`)),
      h(
        "span",
        { class: "bell-actions" },
        h("button", { type: "button", class: "small", onclick: () => act("accept"), text: gettext("Accept"), "aria-label": interpolate(gettext("Accept %(name)s"), { name: who }, true) }),
        h("button", { type: "button", class: "small ghost", onclick: () => act("reject"), text: gettext("Reject"), "aria-label": interpolate(gettext("Reject %(name)s"), { name: who }, true) }),
        h("button", {
          type: "button",
          class: "small ghost danger-text",
          text: gettext("Block"),
          "aria-label": interpolate(gettext("Block %(name)s"), { name: who }, true),
          onclick: async () => {
            if (!(await blockPerson(request.requester))) return;
            await this.markRead((n) => n.type === "friend_request" && n.actor?.id === request.requester?.id);
            this.refresh();
            document.dispatchEvent(new CustomEvent("friends:changed"));
          },
        }),
      ),
    );
  }

  notificationItem(notification) {
    if (notification.type === "report_handled") return this.reportHandledItem(notification);
    const who = notification.actor?.username ?? gettext("Someone");
    const texts = {
      friend_request: ` ${gettext("sent you a friend request")}`,
      friend_request_accepted: ` ${gettext("accepted your friend request")}`,
      added_to_conversation: ` ${gettext("added you to a conversation")}`,
      mention: ` ${gettext("mentioned you")}`,
      transfer_received: ` ${gettext("sent you money")}`,
    };
    // A mention opens its conversation at the message (the history around it).
    const at = notification.type === "mention" && notification.message_id ? `?message=${notification.message_id}` : "";
    const target = notification.conversation_id ? `/c/${notification.conversation_id}/${at}` : "/friends/";
    const open = async (event) => {
      event.preventDefault();
      await this.markRead((n) => n.id === notification.id);
      window.location.assign(target);
    };
    return h(
      "li",
      { class: "bell-item unread" },
      h(
        "a",
        { href: target, onclick: open, class: "bell-text" },
        personAvatar(notification.actor, { size: "xs" }),
        h("span", {}, h("strong", { text: who }), texts[notification.type] ?? ` (${notification.type})`),
      ),
      h("time", { class: "muted", datetime: notification.created_at, text: shortTime(notification.created_at) }),
    );
  }

  /** A report of mine was handled: the outcome only, from "the moderators". */
  reportHandledItem(notification) {
    const text =
      notification.outcome === "action_taken"
        ? gettext("Moderators reviewed your report and took action. Thank you.")
        : gettext("Moderators reviewed your report and found no rule broken.");
    const settle = async (event) => {
      event.preventDefault();
      await this.markRead((n) => n.id === notification.id);
    };
    return h(
      "li",
      { class: "bell-item unread" },
      h("a", { href: "#", onclick: settle, class: "bell-text", "data-type": "report_handled" }, h("span", { text })),
      h("time", { class: "muted", datetime: notification.created_at, text: shortTime(notification.created_at) }),
    );
  }

  /** Mark the unread notifications matching `predicate` read (best effort). */
  async markRead(predicate) {
    const matching = this.notifications.filter((n) => !n.is_read && predicate(n));
    await Promise.allSettled(matching.map((n) => api.post(`/api/notifications/${n.id}/read`)));
    matching.forEach((n) => (n.is_read = true));
    if (matching.length) this.render();
  }

  /** Opening a conversation settles its "added you" and "mentioned you" notifications. */
  conversationSeen(conversationId) {
    return this.markRead((n) => n.conversation_id === conversationId);
  }

  async markAllRead() {
    try {
      await api.post("/api/notifications/read-all");
    } catch (error) {
      toast(error.message, "error");
    }
    this.refresh();
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The server closed our socket because a session ended (4001): logout, password change or
 * ban. After our own password change the session lives on under a new key whose cookie
 * may reach this tab a moment later, so ask a few times before going to the login page.
 */
async function checkSession(socket) {
  for (const wait of [300, 1000, 1500, 2000]) {
    await sleep(wait);
    const response = await fetch("/api/auth/me", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).catch(() => null);
    if (!response || (response.status !== 401 && response.status !== 403)) {
      socket.start(); // still logged in (or a network problem the reconnect loop handles)
      return;
    }
  }
  window.location.assign(`/accounts/login/?next=${encodeURIComponent(location.pathname)}`);
}

/**
 * Show `me` (the config's, with any new name or picture merged in) in the top bar's
 * account link. Pages call it after changing the user's avatar; `user_updated` does too.
 */
export function showMe(me) {
  const link = document.querySelector(".me-link");
  if (!link || !me) return;
  link.querySelector(".avatar")?.replaceWith(personAvatar(me, { size: "sm" }));
  const name = link.querySelector(".me-name");
  if (name) name.textContent = me.display_name || me.username;
}

/**
 * Start what every page needs. Returns `{config, me, socket, presence, api, bell}`,
 * also exposed as `window.chatApp` for debugging and the browser tests.
 */
export function startShell() {
  const config = readConfig();
  const socket = new ChatSocket(config.ws_path || "/ws/");
  const presence = new Presence();
  connectionIndicator(socket);
  const bell = new Bell(socket);

  if (config.me?.avatar_thumbnail_url || config.me?.avatar_url) showMe(config.me);
  socket.on("user_updated", ({ user }) => {
    if (!user || user.id !== config.me?.id) return;
    Object.assign(config.me, user);
    showMe(config.me);
  });
  socket.on("user_online", (frame) => presence.set(frame.user_id, true, frame.status));
  socket.on("user_offline", (frame) => presence.set(frame.user_id, false, "offline", frame.last_seen ?? null));
  socket.on("unauthenticated", () => window.location.assign("/accounts/login/"));
  socket.on("session_ended", () => checkSession(socket));
  socket.on("connected", (frame) => {
    if (frame.reconnected || !presence.known) {
      // Events we missed while away include presence changes: ask again.
      api.get("/api/friends").then(
        (friends) => presence.replace(friends.filter((f) => f.is_online).map((f) => f.id), friends),
        () => {},
      );
    }
  });
  socket.addEventListener("state", ({ detail }) => {
    if (detail.state !== "open" && socket.connections > 0) presence.forget();
  });
  socket.on("state", ({ state, attempt }) => {
    // A refused handshake looks like a network error to the browser; after a few
    // failures ask REST whether we are still logged in (401 sends us to login).
    if (state === "waiting" && attempt >= 3 && attempt % 3 === 0) {
      api.get("/api/auth/me").catch(() => {});
    }
  });
  for (const form of document.querySelectorAll(".logout-form, .logout-form-page")) {
    form.addEventListener("submit", () => {
      socket.stop();
      if (config.me) clearDrafts(config.me.id); // drafts stay on this browser only while logged in
    });
  }

  const app = { config, me: config.me, socket, presence, api, bell };
  app.status = startStatusPicker(socket);
  window.chatApp = app;
  bell.refresh();
  socket.start();
  return app;
}
