// The chat screen: conversation sidebar, open conversation with history, composer,
// typing, live events, reconnect catch-up, group management.
//
// State lives in plain Maps keyed by id; the DOM is derived from it. Messages are
// deduplicated by id everywhere (REST pages, socket events and catch-up can all
// deliver the same message), and `seq` (gapless per conversation) tells us when a
// live event skipped something, which triggers a catch-up with `after=`.

import { api, ApiError } from "../lib/api.js";
import { $, clear, fullTime, h, initial, linkify, randomId, setupDialog, shortTime, toast } from "../lib/dom.js";
import { Drafts } from "../lib/drafts.js";
import { startShell } from "../lib/shell.js";

const PAGE_SIZE = 50;
const CATCH_UP_PAGE = 100;
const TYPING_SEND_EVERY = 3000;
const TYPING_IDLE_STOP = 4000;
const TYPING_SHOW_FOR = 6000;
const ACK_TIMEOUT = 8000;
// How often a send refused with 429 "overloaded" is tried again before it shows as failed.
const OVERLOAD_RETRIES = 5;

const app = startShell();
const { me, socket, presence } = app;

const els = {
  layout: $("#chat-layout"),
  convList: $("#conv-list"),
  convEmpty: $("#conv-empty"),
  placeholder: $("#pane-placeholder"),
  conversation: $("#conversation"),
  title: $("#pane-title"),
  sub: $("#pane-sub"),
  messages: $("#messages"),
  messageList: $("#message-list"),
  historyStatus: $("#history-status"),
  typing: $("#typing"),
  notice: $("#pane-notice"),
  composer: $("#composer"),
  input: $("#composer-input"),
  sendButton: $("#send-button"),
  back: $("#back-button"),
  detailsButton: $("#details-button"),
  groupDialog: setupDialog($("#group-dialog")),
  detailsDialog: setupDialog($("#details-dialog")),
};

const state = {
  conversations: new Map(), // id -> conversation (API shape)
  histories: new Map(), // id -> History
  openId: null,
  typing: new Map(), // conversation id -> Map(user id -> {name, timer})
  pending: new Map(), // client_id -> {conversationId, content, timer, failed}
  drafts: new Drafts(), // unsent text per conversation
  composerFor: null, // the conversation whose draft the composer shows (and sends to)
  friends: [],
  loadedList: false,
};

/** The messages we hold for one conversation, sorted by id, deduplicated. */
class History {
  constructor() {
    this.byId = new Map();
    this.hasOlder = true;
    this.loadingOlder = false;
    this.catchingUp = null;
    this.loaded = false;
  }

  add(message) {
    const had = this.byId.get(message.id);
    this.byId.set(message.id, had ? { ...had, ...message } : message);
    return !had;
  }

  get sorted() {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  get lastId() {
    let last = 0;
    for (const id of this.byId.keys()) last = Math.max(last, id);
    return last;
  }

  get lastSeq() {
    let last = 0;
    for (const message of this.byId.values()) last = Math.max(last, message.seq || 0);
    return last;
  }

  get oldestId() {
    let oldest = Infinity;
    for (const id of this.byId.keys()) oldest = Math.min(oldest, id);
    return oldest === Infinity ? null : oldest;
  }
}

function historyFor(conversationId) {
  if (!state.histories.has(conversationId)) state.histories.set(conversationId, new History());
  return state.histories.get(conversationId);
}

// --- Names and labels ------------------------------------------------------------

function otherMember(conversation) {
  return (conversation.members || []).find((m) => m.id !== me.id) || null;
}

function displayName(person) {
  return person ? person.display_name || person.username : "Unknown";
}

function conversationTitle(conversation) {
  if (conversation.type === "direct") return displayName(otherMember(conversation));
  return conversation.name || "Unnamed group";
}

function memberName(conversation, userId, fallback) {
  if (userId === me.id) return "You";
  const member = (conversation?.members || []).find((m) => m.id === userId);
  return member ? displayName(member) : fallback || "Someone";
}

function myRole(conversation) {
  return (conversation.members || []).find((m) => m.id === me.id)?.role || "member";
}

function activityOf(conversation) {
  return conversation.last_message?.created_at || conversation.created_at || "";
}

// --- Sidebar -----------------------------------------------------------------------

function renderSidebar() {
  const focusedId = document.activeElement?.closest?.(".conv-item")?.dataset.id;
  const items = [...state.conversations.values()].sort((a, b) =>
    activityOf(b).localeCompare(activityOf(a)),
  );
  clear(els.convList);
  els.convEmpty.hidden = !state.loadedList || items.length > 0;
  for (const conversation of items) {
    const title = conversationTitle(conversation);
    const other = conversation.type === "direct" ? otherMember(conversation) : null;
    const online = other ? presence.has(other.id) : false;
    const last = conversation.last_message;
    let preview = "No messages yet";
    if (last) {
      // In a direct chat only "You:" needs saying; in groups every sender is named.
      const who =
        last.sender_id === me.id
          ? "You: "
          : conversation.type === "group"
            ? `${memberName(conversation, last.sender_id, last.sender_username)}: `
            : "";
      preview = last.is_deleted ? `${who}message deleted` : `${who}${last.content}`;
    }
    const unread = conversation.id === state.openId && pageVisible() ? 0 : conversation.unread_count || 0;
    const button = h(
      "button",
      {
        type: "button",
        class: `conv-item${conversation.id === state.openId ? " active" : ""}${unread ? " has-unread" : ""}`,
        dataset: { id: String(conversation.id) },
        "aria-current": conversation.id === state.openId ? "true" : null,
        onclick: () => openConversation(conversation.id, { push: true }),
      },
      h(
        "span",
        { class: `avatar${conversation.type === "group" ? " avatar-group" : ""}`, "aria-hidden": "true" },
        initial(title),
        other ? h("span", { class: `dot${online ? " online" : ""}` }) : null,
      ),
      h(
        "span",
        { class: "conv-main" },
        h("span", { class: "conv-name", text: title }),
        h("span", { class: "conv-preview", text: preview }),
      ),
      h(
        "span",
        { class: "conv-side" },
        h("time", { text: shortTime(activityOf(conversation)), datetime: activityOf(conversation) }),
        unread ? h("span", { class: "badge", text: unread > 99 ? "99+" : String(unread) }) : null,
      ),
      h(
        "span",
        { class: "visually-hidden" },
        [other ? (online ? ", online" : ", offline") : "", unread ? `, ${unread} unread` : ""].join(""),
      ),
    );
    els.convList.append(h("li", {}, button));
  }
  if (focusedId) els.convList.querySelector(`.conv-item[data-id="${CSS.escape(focusedId)}"]`)?.focus();
  const total = items.reduce((sum, c) => sum + (c.id === state.openId ? 0 : c.unread_count || 0), 0);
  document.title = total ? `(${total}) Chats · Chat` : "Chats · Chat";
}

function upsertConversation(conversation) {
  const known = state.conversations.get(conversation.id);
  const merged = { ...(known || {}), ...conversation };
  // Events may carry a conversation without the per-user fields: keep ours.
  if (known && conversation.unread_count === undefined) merged.unread_count = known.unread_count;
  if (known && !conversation.last_message && known.last_message) merged.last_message = known.last_message;
  state.conversations.set(conversation.id, merged);
  return merged;
}

async function loadConversations() {
  const list = await api.get("/api/conversations");
  const seen = new Set();
  for (const conversation of list) {
    seen.add(conversation.id);
    upsertConversation(conversation);
  }
  for (const id of [...state.conversations.keys()]) {
    if (!seen.has(id)) forgetConversation(id, "You are no longer a member of this conversation.");
  }
  state.loadedList = true;
  renderSidebar();
  for (const conversation of list) {
    const other = conversation.type === "direct" ? otherMember(conversation) : null;
    if (other && other.is_online !== undefined) presence.set(other.id, Boolean(other.is_online));
  }
}

async function fetchConversation(id) {
  try {
    const conversation = upsertConversation(await api.get(`/api/conversations/${id}`));
    renderSidebar();
    if (id === state.openId) renderHeader();
    return conversation;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      forgetConversation(id, "You are no longer a member of this conversation.");
    }
    return null;
  }
}

function forgetConversation(id, notice) {
  state.drafts.delete(id);
  if (state.composerFor === id) {
    state.composerFor = null;
    els.input.value = "";
    autoGrow();
  }
  state.conversations.delete(id);
  state.histories.delete(id);
  state.typing.delete(id);
  if (state.openId === id) {
    els.notice.textContent = notice;
    els.notice.hidden = false;
    els.composer.hidden = true;
    els.detailsButton.hidden = true;
  }
  renderSidebar();
}

// --- Opening a conversation ---------------------------------------------------------

function pageVisible() {
  return document.visibilityState === "visible";
}

async function openConversation(id, { push = false } = {}) {
  if (state.openId && state.openId !== id) socket.send({ type: "leave_conversation", conversation_id: state.openId });
  state.openId = id;
  bindComposer(id);
  if (push && location.pathname !== `/c/${id}/`) history.pushState({ id }, "", `/c/${id}/`);
  els.layout.classList.add("has-open");
  els.placeholder.hidden = true;
  els.conversation.hidden = false;
  els.notice.hidden = true;
  els.composer.hidden = false;
  els.detailsButton.hidden = false;
  clear(els.messageList);
  els.typing.textContent = "";
  let conversation = state.conversations.get(id);
  if (!conversation) conversation = await fetchConversation(id);
  if (!conversation || state.openId !== id) {
    if (!conversation) {
      els.title.textContent = "Conversation not found";
      els.sub.textContent = "";
    }
    return;
  }
  renderHeader();
  renderSidebar();
  app.bell.conversationSeen(id);
  socket.send({ type: "join_conversation", conversation_id: id });
  const hist = historyFor(id);
  if (!hist.loaded) {
    els.historyStatus.textContent = "Loading messages…";
    try {
      const page = await api.get(`/api/messages/conversation/${id}`, { limit: PAGE_SIZE });
      page.forEach((m) => hist.add(m));
      hist.hasOlder = page.length >= PAGE_SIZE;
      hist.loaded = true;
    } catch (error) {
      els.historyStatus.textContent = `Could not load messages: ${error.message}`;
      return;
    }
  } else {
    await catchUp(id);
  }
  if (state.openId !== id) return;
  renderMessages();
  scrollToBottom();
  markRead(id);
  if (window.matchMedia("(min-width: 721px)").matches) els.input.focus();
  fillViewport(id);
}

function closeConversation() {
  if (state.openId) socket.send({ type: "leave_conversation", conversation_id: state.openId });
  state.openId = null;
  bindComposer(null);
  els.layout.classList.remove("has-open");
  els.conversation.hidden = true;
  els.placeholder.hidden = false;
  renderSidebar();
}

function renderHeader() {
  const conversation = state.conversations.get(state.openId);
  if (!conversation) return;
  els.title.textContent = conversationTitle(conversation);
  if (conversation.type === "direct") {
    const other = otherMember(conversation);
    const online = other && presence.has(other.id);
    els.sub.textContent = online ? "Online" : "Offline";
    els.sub.dataset.online = String(Boolean(online));
  } else {
    const count = (conversation.members || conversation.member_ids || []).length;
    els.sub.textContent = `${conversation.is_public ? "Public room" : "Group"} · ${count} member${count === 1 ? "" : "s"}`;
    delete els.sub.dataset.online;
  }
}

// --- Messages ---------------------------------------------------------------------

function messageElement(message, conversation) {
  const mine = message.sender_id === me.id;
  const canDelete = !message.is_deleted && (mine || (conversation?.type === "group" && myRole(conversation) === "admin"));
  const body = message.is_deleted
    ? h("div", { class: "msg-body deleted", text: "This message was deleted." })
    : h("div", { class: "msg-body" }, linkify(message.content));
  return h(
    "li",
    {
      class: `msg${mine ? " mine" : ""}${message.is_deleted ? " is-deleted" : ""}`,
      dataset: { id: String(message.id), seq: String(message.seq ?? "") },
    },
    h(
      "div",
      { class: "msg-meta" },
      h("span", { class: "msg-author", text: memberName(conversation, message.sender_id, message.sender_username) }),
      h("time", { datetime: message.created_at, title: fullTime(message.created_at), text: shortTime(message.created_at) }),
      message.edited_at && !message.is_deleted
        ? h("span", { class: "msg-edited", title: `Edited ${fullTime(message.edited_at)}`, text: "(edited)" })
        : null,
    ),
    body,
    mine || canDelete
      ? h(
          "div",
          { class: "msg-actions" },
          mine && !message.is_deleted
            ? h("button", { type: "button", class: "link-button", text: "Edit", onclick: () => startEdit(message.id) })
            : null,
          canDelete
            ? h("button", { type: "button", class: "link-button", text: "Delete", onclick: () => deleteMessage(message.id) })
            : null,
        )
      : null,
  );
}

function pendingElement(clientId, pending) {
  return h(
    "li",
    { class: `msg mine pending${pending.failed ? " failed" : ""}`, dataset: { clientId } },
    h("div", { class: "msg-meta" }, h("span", { class: "msg-author", text: "You" }), h("span", { class: "muted", text: pending.failed ? "Not sent" : "Sending…" })),
    h("div", { class: "msg-body" }, linkify(pending.content)),
    pending.failed
      ? h(
          "div",
          { class: "msg-actions visible" },
          h("span", { class: "form-error", text: pending.failed }),
          h("button", { type: "button", class: "link-button", text: "Retry", onclick: () => sendPendingRest(clientId) }),
          h("button", { type: "button", class: "link-button", text: "Discard", onclick: () => dropPending(clientId) }),
        )
      : null,
  );
}

function renderMessages() {
  const id = state.openId;
  const conversation = state.conversations.get(id);
  const hist = state.histories.get(id);
  if (!hist) return;
  clear(els.messageList);
  for (const message of hist.sorted) els.messageList.append(messageElement(message, conversation));
  for (const [clientId, pending] of state.pending) {
    if (pending.conversationId === id) els.messageList.append(pendingElement(clientId, pending));
  }
  els.historyStatus.textContent = hist.hasOlder ? "" : hist.byId.size ? "Beginning of the conversation" : "No messages yet. Say hello!";
}

/** Put one message in place (insert in id order, or replace), without a full re-render. */
function placeMessage(message) {
  if (message.conversation_id !== state.openId) return;
  const conversation = state.conversations.get(state.openId);
  const element = messageElement(historyFor(state.openId).byId.get(message.id) || message, conversation);
  const existing = els.messageList.querySelector(`.msg[data-id="${message.id}"]`);
  if (existing) {
    existing.replaceWith(element);
    return;
  }
  const stick = nearBottom();
  let before = null;
  for (const node of els.messageList.querySelectorAll(".msg[data-id]")) {
    if (Number(node.dataset.id) > message.id) {
      before = node;
      break;
    }
  }
  if (!before) before = els.messageList.querySelector(".msg.pending");
  els.messageList.insertBefore(element, before);
  els.historyStatus.textContent = historyFor(state.openId).hasOlder ? "" : "Beginning of the conversation";
  if (stick || message.sender_id === me.id) scrollToBottom();
}

function nearBottom() {
  const el = els.messages;
  return el.scrollHeight - el.scrollTop - el.clientHeight < 120;
}

function scrollToBottom() {
  els.messages.scrollTop = els.messages.scrollHeight;
}

/** Add messages we received (any source); returns those that were new. */
function receiveMessages(conversationId, messages) {
  const hist = state.histories.get(conversationId);
  const fresh = [];
  for (const message of messages) {
    if (hist && hist.add(message)) fresh.push(message);
    if (message.client_id && state.pending.has(message.client_id) && message.sender_id === me.id) {
      resolvePending(message.client_id);
    }
    const conversation = state.conversations.get(conversationId);
    if (conversation && (!conversation.last_message || conversation.last_message.id <= message.id)) {
      conversation.last_message = message;
    }
  }
  if (conversationId === state.openId) messages.forEach(placeMessage);
  return hist ? fresh : messages;
}

async function loadOlder() {
  const id = state.openId;
  const hist = state.histories.get(id);
  if (!hist || !hist.loaded || !hist.hasOlder || hist.loadingOlder) return;
  hist.loadingOlder = true;
  els.historyStatus.textContent = "Loading older messages…";
  try {
    const page = await api.get(`/api/messages/conversation/${id}`, { limit: PAGE_SIZE, before: hist.oldestId });
    page.forEach((m) => hist.add(m));
    hist.hasOlder = page.length >= PAGE_SIZE;
    if (state.openId === id) {
      const fromBottom = els.messages.scrollHeight - els.messages.scrollTop;
      renderMessages();
      els.messages.scrollTop = els.messages.scrollHeight - fromBottom;
    }
  } catch (error) {
    els.historyStatus.textContent = `Could not load older messages: ${error.message}`;
  } finally {
    hist.loadingOlder = false;
  }
}

/** Load older pages until the list overflows, so there is something to scroll. */
async function fillViewport(id) {
  for (let i = 0; i < 5 && state.openId === id; i += 1) {
    const hist = state.histories.get(id);
    if (!hist?.hasOlder || els.messages.scrollHeight > els.messages.clientHeight + 40) return;
    await loadOlder();
  }
}

/** Fetch everything after the newest message we hold (reconnect, or a seq gap). */
function catchUp(conversationId) {
  const hist = state.histories.get(conversationId);
  if (!hist || !hist.loaded) return Promise.resolve();
  if (hist.catchingUp) return hist.catchingUp;
  hist.catchingUp = (async () => {
    try {
      for (;;) {
        const after = hist.lastId;
        const page = await api.get(`/api/messages/conversation/${conversationId}`, {
          after: after || undefined,
          limit: CATCH_UP_PAGE,
        });
        receiveMessages(conversationId, page);
        if (page.length < CATCH_UP_PAGE || !after) break;
      }
      renderSidebar();
      if (conversationId === state.openId) markRead(conversationId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        forgetConversation(conversationId, "You are no longer a member of this conversation.");
      }
    } finally {
      hist.catchingUp = null;
    }
  })();
  return hist.catchingUp;
}

function markRead(conversationId) {
  const conversation = state.conversations.get(conversationId);
  const hist = state.histories.get(conversationId);
  if (!conversation || !hist || !pageVisible()) return;
  const lastId = hist.lastId;
  if (!lastId) return;
  const alreadyRead = (conversation.last_read_message_id || 0) >= lastId;
  conversation.unread_count = 0;
  renderSidebar();
  if (alreadyRead) return;
  conversation.last_read_message_id = lastId;
  const frame = { type: "mark_read", conversation_id: conversationId, message_id: lastId };
  if (!socket.send(frame)) {
    api.post(`/api/conversations/${conversationId}/read`, { message_id: lastId }).catch(() => {});
  }
}

// --- Sending ----------------------------------------------------------------------

function send(conversationId, content) {
  const clientId = randomId();
  const pending = { conversationId, content, timer: null, failed: null, retries: 0 };
  state.pending.set(clientId, pending);
  els.messageList.append(pendingElement(clientId, pending));
  scrollToBottom();
  const sent = socket.send({ type: "send_message", conversation_id: conversationId, content, client_id: clientId });
  if (sent) {
    // No ack in time (socket died mid-flight)? REST with the same client_id is
    // idempotent: it returns the first message instead of a duplicate.
    pending.timer = setTimeout(() => sendPendingRest(clientId), ACK_TIMEOUT);
  } else {
    sendPendingRest(clientId);
  }
}

async function sendPendingRest(clientId) {
  const pending = state.pending.get(clientId);
  if (!pending) return;
  clearTimeout(pending.timer);
  pending.failed = null;
  rerenderPending(clientId);
  try {
    const message = await api.post("/api/messages", {
      conversation_id: pending.conversationId,
      content: pending.content,
      client_id: clientId,
    });
    receiveMessages(message.conversation_id, [message]);
    resolvePending(clientId);
    renderSidebar();
  } catch (error) {
    if (!state.pending.has(clientId)) return;
    if (error.status === 429 && error.data?.code === "overloaded" && pending.retries < OVERLOAD_RETRIES) {
      // The server sheds load for a moment (docs/api.md, "Back-pressure"): the message
      // stays "sending" and goes again after Retry-After, with the same client_id.
      pending.retries += 1;
      pending.timer = setTimeout(() => sendPendingRest(clientId), (error.retryAfter || 1) * 1000);
      return;
    }
    pending.failed = error.message;
    rerenderPending(clientId);
  }
}

function rerenderPending(clientId) {
  const pending = state.pending.get(clientId);
  const node = els.messageList.querySelector(`.msg.pending[data-client-id="${CSS.escape(clientId)}"]`);
  if (node && pending) node.replaceWith(pendingElement(clientId, pending));
}

function resolvePending(clientId) {
  const pending = state.pending.get(clientId);
  if (pending) clearTimeout(pending.timer);
  state.pending.delete(clientId);
  els.messageList.querySelector(`.msg.pending[data-client-id="${CSS.escape(clientId)}"]`)?.remove();
}

function dropPending(clientId) {
  resolvePending(clientId);
}

// --- Editing and deleting ---------------------------------------------------------------

function startEdit(messageId) {
  const message = historyFor(state.openId).byId.get(messageId);
  const node = els.messageList.querySelector(`.msg[data-id="${messageId}"]`);
  if (!message || !node) return;
  const textarea = h("textarea", { class: "edit-input", "aria-label": "Edit message", rows: "2" });
  textarea.value = message.content;
  const cancel = () => placeMessage(message);
  const save = async () => {
    const content = textarea.value.trim();
    if (!content || content === message.content) return cancel();
    try {
      const updated = await api.patch(`/api/messages/${messageId}`, { content });
      historyFor(updated.conversation_id).add(updated);
      placeMessage(updated);
    } catch (error) {
      toast(error.message, "error");
    }
  };
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      cancel();
    }
  });
  node.querySelector(".msg-body").replaceWith(
    h(
      "div",
      { class: "msg-edit" },
      textarea,
      h(
        "div",
        { class: "msg-actions visible" },
        h("button", { type: "button", class: "small", text: "Save", onclick: save }),
        h("button", { type: "button", class: "small ghost", text: "Cancel", onclick: cancel }),
      ),
    ),
  );
  node.querySelector(".msg-actions:not(.visible)")?.remove();
  textarea.focus();
}

async function deleteMessage(messageId) {
  if (!window.confirm("Delete this message for everyone?")) return;
  try {
    await api.del(`/api/messages/${messageId}`);
    applyDeleted(state.openId, messageId);
  } catch (error) {
    toast(error.message, "error");
  }
}

function applyDeleted(conversationId, messageId) {
  const hist = state.histories.get(conversationId);
  const message = hist?.byId.get(messageId);
  if (message) {
    hist.add({ ...message, is_deleted: true, content: "" });
    placeMessage(hist.byId.get(messageId));
  }
  const conversation = state.conversations.get(conversationId);
  if (conversation?.last_message?.id === messageId) {
    conversation.last_message = { ...conversation.last_message, is_deleted: true, content: "" };
    renderSidebar();
  }
}

// --- Typing --------------------------------------------------------------------------

let typingSentAt = 0;
let typingStopTimer = null;
let typingConversation = null;

function noteTyping() {
  const id = state.openId;
  if (!id) return;
  const now = Date.now();
  if (typingConversation !== id || now - typingSentAt > TYPING_SEND_EVERY) {
    if (socket.send({ type: "typing", conversation_id: id, is_typing: true })) typingSentAt = now;
    typingConversation = id;
  }
  clearTimeout(typingStopTimer);
  typingStopTimer = setTimeout(stopTyping, TYPING_IDLE_STOP);
}

function stopTyping() {
  clearTimeout(typingStopTimer);
  if (typingConversation && typingSentAt) {
    socket.send({ type: "typing", conversation_id: typingConversation, is_typing: false });
  }
  typingSentAt = 0;
  typingConversation = null;
}

function setTyping(conversationId, userId, name, isTyping) {
  if (!state.typing.has(conversationId)) state.typing.set(conversationId, new Map());
  const people = state.typing.get(conversationId);
  clearTimeout(people.get(userId)?.timer);
  if (isTyping) {
    const timer = setTimeout(() => setTyping(conversationId, userId, name, false), TYPING_SHOW_FOR);
    people.set(userId, { name, timer });
  } else {
    people.delete(userId);
  }
  if (conversationId === state.openId) renderTyping();
}

function renderTyping() {
  const names = [...(state.typing.get(state.openId)?.values() || [])].map((p) => p.name);
  if (!names.length) els.typing.textContent = "";
  else if (names.length === 1) els.typing.textContent = `${names[0]} is typing…`;
  else if (names.length === 2) els.typing.textContent = `${names[0]} and ${names[1]} are typing…`;
  else els.typing.textContent = "Several people are typing…";
}

// --- Socket events ------------------------------------------------------------------

socket.on("connected", async (frame) => {
  if (state.openId) socket.send({ type: "join_conversation", conversation_id: state.openId });
  if (!frame.reconnected) return;
  // Back after a drop: refresh the list, fetch what we missed, resend what was in flight.
  try {
    await loadConversations();
  } catch {
    return;
  }
  await Promise.all([...state.histories.keys()].map((id) => catchUp(id)));
  for (const clientId of [...state.pending.keys()]) sendPendingRest(clientId);
  if (state.openId) renderHeader();
});

socket.on("new_message", ({ message }) => onIncomingMessage(message));
socket.on("message_ack", ({ message, client_id: clientId }) => {
  if (clientId) resolvePending(clientId);
  if (message) onIncomingMessage(message);
});

function onIncomingMessage(message) {
  const id = message.conversation_id;
  const conversation = state.conversations.get(id);
  if (!conversation) {
    fetchConversation(id); // a conversation we have not seen yet
    return;
  }
  const hist = state.histories.get(id);
  const gap = hist?.loaded && hist.lastSeq && message.seq > hist.lastSeq + 1;
  const fresh = receiveMessages(id, [message]);
  if (fresh.length && message.sender_id !== me.id && !(id === state.openId && pageVisible())) {
    conversation.unread_count = (conversation.unread_count || 0) + 1;
  }
  if (message.sender_id !== me.id) setTyping(id, message.sender_id, "", false);
  if (gap) catchUp(id);
  if (id === state.openId) markRead(id);
  renderSidebar();
}

socket.on("message_updated", ({ message }) => {
  const hist = state.histories.get(message.conversation_id);
  if (hist?.byId.has(message.id)) {
    hist.add(message);
    placeMessage(message);
  }
  const conversation = state.conversations.get(message.conversation_id);
  if (conversation?.last_message?.id === message.id) {
    conversation.last_message = message;
    renderSidebar();
  }
});

socket.on("error", (frame) => {
  // A refused send (too long, throttled, not a member): REST with the same client_id
  // tells us exactly why and shows it on the pending message.
  if (frame.request_type === "send_message") {
    for (const [clientId, pending] of state.pending) if (!pending.failed) sendPendingRest(clientId);
  }
});

socket.on("message_deleted", ({ conversation_id: cid, message_id: mid }) => applyDeleted(cid, mid));

socket.on("typing", ({ conversation_id: cid, user_id: uid, username, is_typing: isTyping }) => {
  if (uid === me.id) return;
  const conversation = state.conversations.get(cid);
  setTyping(cid, uid, memberName(conversation, uid, username), isTyping);
});

socket.on("read", ({ conversation_id: cid, user_id: uid }) => {
  if (uid === me.id && state.conversations.has(cid)) {
    state.conversations.get(cid).unread_count = 0; // read on another device
    renderSidebar();
  }
});

socket.on("conversation_created", ({ conversation }) => {
  upsertConversation(conversation);
  renderSidebar();
});

socket.on("conversation_updated", ({ conversation }) => {
  upsertConversation(conversation);
  renderSidebar();
  if (conversation.id === state.openId) renderHeader();
});

socket.on("conversation_deleted", ({ conversation_id: cid }) =>
  forgetConversation(cid, "This conversation was deleted."),
);
socket.on("removed_from_conversation", ({ conversation_id: cid }) =>
  forgetConversation(cid, "You were removed from this conversation."),
);

socket.on("member_added", ({ conversation_id: cid }) => fetchConversation(cid));
socket.on("member_removed", ({ conversation_id: cid, user_id: uid }) => {
  if (uid === me.id) forgetConversation(cid, "You were removed from this conversation.");
  else if (state.conversations.has(cid)) fetchConversation(cid);
});

presence.addEventListener("change", () => {
  renderSidebar();
  renderHeader();
});

// --- Composer -------------------------------------------------------------------------

/**
 * Show conversation `id`'s draft in the composer (null: none), keeping what was typed for
 * the conversation it showed before. Called as soon as another conversation is chosen,
 * before anything is awaited, so Enter can only ever send to the conversation on screen.
 */
function bindComposer(id) {
  if (state.composerFor === id) return;
  if (state.composerFor !== null) state.drafts.set(state.composerFor, els.input.value);
  stopTyping();
  state.composerFor = id;
  els.input.value = id === null ? "" : state.drafts.get(id);
  autoGrow();
}

function autoGrow() {
  els.input.style.height = "auto";
  els.input.style.height = `${Math.min(els.input.scrollHeight, 200)}px`;
}

els.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    els.composer.requestSubmit();
  }
});
els.input.addEventListener("input", () => {
  autoGrow();
  if (els.input.value.trim()) noteTyping();
  else stopTyping();
});
els.input.addEventListener("blur", stopTyping);
els.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const content = els.input.value.trim();
  const conversationId = state.composerFor;
  if (!content || conversationId === null || conversationId !== state.openId) return;
  send(conversationId, content);
  state.drafts.delete(conversationId);
  els.input.value = "";
  autoGrow();
  stopTyping();
});

els.messages.addEventListener("scroll", () => {
  if (els.messages.scrollTop < 80) loadOlder();
});

els.back.addEventListener("click", () => {
  history.pushState({}, "", "/");
  closeConversation();
});

window.addEventListener("popstate", () => {
  const match = location.pathname.match(/^\/c\/(\d+)\/$/);
  if (match) openConversation(Number(match[1]));
  else closeConversation();
});

document.addEventListener("visibilitychange", () => {
  if (pageVisible() && state.openId) markRead(state.openId);
});

// --- New group dialog ---------------------------------------------------------------------

async function loadFriends() {
  try {
    state.friends = await api.get("/api/friends");
    state.friends.forEach((f) => presence.set(f.id, Boolean(f.is_online)));
  } catch {
    state.friends = [];
  }
  return state.friends;
}

async function openGroupDialog({ isPublic = false } = {}) {
  const form = $("#group-form");
  form.reset();
  $("#group-public").checked = isPublic;
  $("#group-dialog-title").textContent = isPublic ? "New public room" : "New group";
  $("#group-error").textContent = "";
  const list = clear($("#group-friends"));
  const friends = await loadFriends();
  $("#group-friends-empty").hidden = friends.length > 0;
  for (const friend of friends) {
    const inputId = `group-friend-${friend.id}`;
    list.append(
      h(
        "li",
        {},
        h("input", { type: "checkbox", id: inputId, value: String(friend.id), name: "members" }),
        h("label", { for: inputId, text: displayName(friend) }),
        friend.display_name ? h("span", { class: "muted", text: ` @${friend.username}` }) : null,
      ),
    );
  }
  els.groupDialog.showModal();
  $("#group-name").focus();
}

$("#new-group-button").addEventListener("click", () => openGroupDialog());
$("#group-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const memberIds = [...form.querySelectorAll("input[name=members]:checked")].map((i) => Number(i.value));
  const body = {
    type: "group",
    name: form.name.value.trim(),
    description: form.description.value.trim(),
    is_public: form.is_public.checked,
    member_user_ids: memberIds,
  };
  if (form.max_participants.value) body.max_participants = Number(form.max_participants.value);
  try {
    const conversation = await api.post("/api/conversations", body);
    upsertConversation(conversation);
    historyFor(conversation.id);
    els.groupDialog.close();
    openConversation(conversation.id, { push: true });
  } catch (error) {
    $("#group-error").textContent = error.message;
  }
});

// --- Details dialog (members, rename, leave) -------------------------------------------------

async function openDetails() {
  const conversation = (await fetchConversation(state.openId)) || state.conversations.get(state.openId);
  if (!conversation) return;
  $("#details-error").textContent = "";
  renderDetails(conversation);
  els.detailsDialog.showModal();
}

function detailsError(error) {
  $("#details-error").textContent = error.message;
}

function renderDetails(conversation) {
  const content = clear($("#details-content"));
  $("#details-title").textContent = conversationTitle(conversation);
  const isAdmin = myRole(conversation) === "admin";
  if (conversation.type === "direct") {
    const other = otherMember(conversation);
    content.append(
      h("p", {}, "Direct chat with ", h("strong", { text: displayName(other) }), ` (@${other?.username ?? "?"})`),
      h("p", { class: "muted", text: presence.has(other?.id) ? "Online now" : "Offline" }),
      h("p", {}, h("a", { href: "/friends/", text: "Manage friends and blocks" })),
    );
    return;
  }
  if (conversation.description) content.append(h("p", { class: "prewrap", text: conversation.description }));
  if (isAdmin) {
    const nameInput = h("input", { id: "rename-input", maxlength: "100", value: conversation.name || "" });
    const descriptionInput = h("textarea", { id: "describe-input", rows: "2" });
    descriptionInput.value = conversation.description || "";
    content.append(
      h(
        "form",
        {
          class: "stacked",
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              const updated = await api.patch(`/api/conversations/${conversation.id}`, {
                name: nameInput.value.trim(),
                description: descriptionInput.value.trim(),
              });
              upsertConversation(updated);
              renderSidebar();
              renderHeader();
              renderDetails(state.conversations.get(conversation.id));
              toast("Saved.");
            } catch (error) {
              detailsError(error);
            }
          },
        },
        h("div", { class: "field" }, h("label", { for: "rename-input", text: "Name" }), nameInput),
        h("div", { class: "field" }, h("label", { for: "describe-input", text: "Description" }), descriptionInput),
        h("button", { type: "submit", class: "small", text: "Save" }),
      ),
    );
  }
  const members = conversation.members || [];
  content.append(h("h3", { text: `Members (${members.length}${conversation.max_participants ? ` of ${conversation.max_participants}` : ""})` }));
  const list = h("ul", { class: "people" });
  for (const member of members) {
    list.append(
      h(
        "li",
        { class: "person", dataset: { userId: String(member.id) } },
        h("span", { class: "avatar avatar-sm", "aria-hidden": "true" }, initial(displayName(member))),
        h("span", { class: "person-name" }, h("span", { text: member.id === me.id ? `${displayName(member)} (you)` : displayName(member) }), member.role === "admin" ? h("span", { class: "tag", text: "admin" }) : null),
        isAdmin && member.id !== me.id
          ? h("button", {
              type: "button",
              class: "small ghost",
              text: "Remove",
              "aria-label": `Remove ${displayName(member)}`,
              onclick: async () => {
                try {
                  await api.del(`/api/conversations/${conversation.id}/members/${member.id}`);
                  renderDetails((await fetchConversation(conversation.id)) || conversation);
                } catch (error) {
                  detailsError(error);
                }
              },
            })
          : null,
      ),
    );
  }
  content.append(list);
  if (isAdmin) {
    const select = h("select", { id: "add-member-select", multiple: true, size: "4" });
    const addForm = h(
      "form",
      {
        class: "stacked",
        onsubmit: async (event) => {
          event.preventDefault();
          const ids = [...select.selectedOptions].map((o) => Number(o.value));
          if (!ids.length) return;
          try {
            upsertConversation(await api.post(`/api/conversations/${conversation.id}/members`, { user_ids: ids }));
            renderDetails((await fetchConversation(conversation.id)) || conversation);
          } catch (error) {
            detailsError(error);
          }
        },
      },
      h("div", { class: "field" }, h("label", { for: "add-member-select", text: "Add friends" }), select),
      h("button", { type: "submit", class: "small", text: "Add selected" }),
    );
    content.append(addForm);
    loadFriends().then((friends) => {
      const inside = new Set(members.map((m) => m.id));
      const candidates = friends.filter((f) => !inside.has(f.id));
      for (const friend of candidates) select.append(h("option", { value: String(friend.id), text: displayName(friend) }));
      if (!candidates.length) addForm.replaceWith(h("p", { class: "muted", text: "All your friends are already here." }));
    });
  }
  content.append(
    h("div", { class: "danger-zone" }, h("button", {
      type: "button",
      class: "danger",
      text: conversation.is_public ? "Leave room" : "Leave group",
      onclick: async () => {
        if (!window.confirm("Leave this conversation?")) return;
        try {
          await api.post(`/api/conversations/${conversation.id}/leave`);
          els.detailsDialog.close();
          forgetConversation(conversation.id, "You left this conversation.");
          history.pushState({}, "", "/");
          closeConversation();
        } catch (error) {
          detailsError(error);
        }
      },
    })),
  );
}

els.detailsButton.addEventListener("click", openDetails);

// --- Start ---------------------------------------------------------------------------------------

app.chat = { state, openConversation, catchUp };

(async () => {
  try {
    await loadConversations();
  } catch (error) {
    toast(`Could not load conversations: ${error.message}`, "error");
  }
  loadFriends().then(renderSidebar);
  const params = new URLSearchParams(location.search);
  if (params.get("new") === "room" || params.get("new") === "group") {
    history.replaceState({}, "", "/");
    openGroupDialog({ isPublic: params.get("new") === "room" });
  }
  if (app.config.conversation_id) openConversation(app.config.conversation_id);
})();
