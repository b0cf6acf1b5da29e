// The message list of the open conversation: rendering (sent and pending messages, grouped
// by sender, with their formatted text and attachments), receiving messages from any
// source, infinite scroll to older pages, fetching a message again for fresh attachment
// URLs, and marking what is on screen as read. Catching up is changes.js's.
//
// What other modules show in a row (quote, reactions, pin mark) are its parts
// (message_parts.js); what can be done to a message is the message menu (menu.js). Buttons
// of a pending row carry `data-action` (composer.js: retry, discard; attachments.js: view).

import { api } from "../../lib/api.js";
import { attachmentsElement } from "../../lib/attachments.js";
import { avatar, personAvatar } from "../../lib/avatar.js";
import { clear, fullTime, h, linkify, shortTime } from "../../lib/dom.js";
import { mentionsMe, richText } from "../../lib/rich_text.js";
import { actionBar } from "./menu.js";
import { rowParts } from "./message_parts.js";
import { displayName, memberName, memberOf } from "./names.js";
import { els, me, pageVisible, socket } from "./page.js";
import { transferBody } from "./payments.js";
import { systemLineElement } from "./system_lines.js";
import { historyFor, noteLastMessage, setLastRead, setUnread, state, takePending } from "./state.js";

const PAGE_SIZE = 50;

// --- Rendering ----------------------------------------------------------------------
//
// Each message is a row: the sender's avatar, then a bubble with the name and time, the
// text, the attachments and the actions. Consecutive messages from one sender (a few
// minutes apart at most) form a group, shown under one avatar and name, as in Slack: a row
// that continues a group has the class `cont`, which CSS uses to hide its avatar and
// header. Every row carries its sender and time (data-sender, data-time), so a row's
// grouping is known from its neighbour alone and is recomputed wherever a row comes or goes.

const GROUP_GAP_MS = 5 * 60 * 1000;

function senderAvatar(conversation, senderId, fallbackName) {
  const member = memberOf(conversation, senderId);
  const options = { size: "sm", className: "msg-avatar" };
  return member ? personAvatar(member, options) : avatar({ name: fallbackName, ...options });
}

/** The text: the server's formatted HTML (docs/api.md, "Formatting"), never raw HTML. */
function textBody(message) {
  if (typeof message.content_html !== "string") return h("div", { class: "msg-body" }, linkify(message.content || ""));
  return h("div", { class: "msg-body rich" }, richText(message.content_html, { meId: me.id }));
}

function messageElement(message, conversation) {
  const line = systemLineElement(message);
  if (line) return line;
  const mine = message.sender_id === me.id;
  const body = message.is_deleted
    ? h("div", { class: "msg-body deleted", text: "This message was deleted." })
    : transferBody(message) || textBody(message);
  const mentioned = !mine && !message.is_deleted && mentionsMe(message, me.id);
  return h(
    "li",
    {
      class: `msg${mine ? " mine" : ""}${message.is_deleted ? " is-deleted" : ""}${mentioned ? " mentions-me" : ""}`,
      dataset: { id: String(message.id), seq: String(message.seq ?? ""), sender: String(message.sender_id), time: message.created_at },
    },
    senderAvatar(conversation, message.sender_id, message.sender_username),
    h(
      "div",
      { class: "msg-bubble", title: fullTime(message.created_at) },
      h(
        "div",
        { class: "msg-meta" },
        h("span", { class: "msg-author", text: memberName(conversation, message.sender_id, message.sender_username) }),
        h("time", { datetime: message.created_at, text: shortTime(message.created_at) }),
        message.edited_at && !message.is_deleted
          ? h("span", { class: "msg-edited", title: `Edited ${fullTime(message.edited_at)}`, text: "(edited)" })
          : null,
        rowParts("meta", message, conversation),
      ),
      rowParts("above", message, conversation),
      body,
      message.is_deleted ? null : attachmentsElement(message.attachments, { onBroken: () => refreshMessage(message) }),
      rowParts("below", message, conversation),
      actionBar(message, conversation),
    ),
  );
}

function actionButton(action, text) {
  return h("button", { type: "button", class: "link-button", text, dataset: { action } });
}

export function pendingElement(clientId, pending) {
  const conversation = state.conversations.get(pending.conversationId);
  return h(
    "li",
    { class: `msg mine pending${pending.failed ? " failed" : ""}`, dataset: { clientId, sender: String(me.id), time: pending.createdAt } },
    senderAvatar(conversation, me.id, displayName(me)),
    h(
      "div",
      { class: "msg-bubble" },
      h("div", { class: "msg-meta" }, h("span", { class: "msg-author", text: "You" }), h("span", { class: "muted", text: pending.failed ? "Not sent" : "Sending…" })),
      h("div", { class: "msg-body" }, linkify(pending.content)),
      attachmentsElement(pending.attachments),
      pending.failed
        ? h(
            "div",
            { class: "msg-actions visible" },
            h("span", { class: "form-error", text: pending.failed }),
            actionButton("retry", "Retry"),
            actionButton("discard", "Discard"),
          )
        : null,
    ),
  );
}

/** Whether `row` opens a group of messages (else it continues the one above it). */
function startsGroup(row) {
  const prev = row.previousElementSibling;
  if (!prev || prev.dataset.sender !== row.dataset.sender) return true;
  return Math.abs(Date.parse(row.dataset.time) - Date.parse(prev.dataset.time)) > GROUP_GAP_MS;
}

/** Recompute the grouping of these rows (a row that came, and the one after it). */
function regroup(...rows) {
  for (const row of rows) if (row) row.classList.toggle("cont", !startsGroup(row));
}

export function renderMessages() {
  const id = state.openId;
  const conversation = state.conversations.get(id);
  const hist = state.histories.get(id);
  if (!hist) return;
  clear(els.messageList);
  for (const message of hist.sorted) els.messageList.append(messageElement(message, conversation));
  for (const [clientId, pending] of state.pending) {
    if (pending.conversationId === id) els.messageList.append(pendingElement(clientId, pending));
  }
  regroup(...els.messageList.children);
  els.historyStatus.textContent = hist.hasOlder ? "" : hist.byId.size ? "Beginning of the conversation" : "No messages yet. Say hello!";
}

/** Put one message in place (insert in id order, or replace), without a full re-render. */
export function placeMessage(message) {
  if (message.conversation_id !== state.openId) return;
  const conversation = state.conversations.get(state.openId);
  const element = messageElement(historyFor(state.openId).byId.get(message.id) || message, conversation);
  const existing = els.messageList.querySelector(`.msg[data-id="${message.id}"]`);
  if (existing) {
    existing.replaceWith(element);
    regroup(element, element.nextElementSibling);
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
  regroup(element, element.nextElementSibling);
  els.historyStatus.textContent = historyFor(state.openId).hasOlder ? "" : "Beginning of the conversation";
  if (stick || message.sender_id === me.id) scrollToBottom();
}

function pendingNode(clientId) {
  return els.messageList.querySelector(`.msg.pending[data-client-id="${CSS.escape(clientId)}"]`);
}

/** Show a message being sent, at the end of the list. */
export function placePending(clientId, pending) {
  const element = pendingElement(clientId, pending);
  els.messageList.append(element);
  regroup(element);
}

export function rerenderPending(clientId) {
  const pending = state.pending.get(clientId);
  const node = pendingNode(clientId);
  if (!node || !pending) return;
  const stick = nearBottom();
  const element = pendingElement(clientId, pending);
  node.replaceWith(element);
  regroup(element, element.nextElementSibling);
  // A failure grows the row (reason, Retry, Discard): keep all of it in view.
  if (stick) scrollToBottom();
  else if (pending.failed) element.scrollIntoView({ block: "nearest" });
}

/** A pending send is settled (acknowledged, received, discarded): it leaves the list. */
export function resolvePending(clientId) {
  takePending(clientId);
  const node = pendingNode(clientId);
  if (!node) return;
  const next = node.nextElementSibling;
  node.remove();
  regroup(next);
}

/** A person's new name or picture on the rows of their messages in the open list. */
export function refreshSender(userId) {
  const conversation = state.conversations.get(state.openId);
  for (const row of els.messageList.querySelectorAll(`.msg[data-sender="${Number(userId)}"]`)) {
    const message = historyFor(state.openId).byId.get(Number(row.dataset.id));
    row.querySelector(".msg-avatar")?.replaceWith(senderAvatar(conversation, userId, message?.sender_username));
    const author = row.querySelector(".msg-author");
    if (author && userId !== me.id) author.textContent = memberName(conversation, userId, message?.sender_username);
  }
}

const refreshedAt = new Map(); // message id -> when it was last fetched again

/**
 * Fetch one message again, for fresh signed URLs of its attachments (they are short-lived:
 * a thumbnail or download that fails has expired), and put it in place. At most every
 * 30 s per message; resolves to the fresh message, or null.
 */
export async function refreshMessage(message) {
  if (Date.now() - (refreshedAt.get(message.id) || 0) < 30000) return null;
  refreshedAt.set(message.id, Date.now());
  try {
    const fresh = await api.get(`/api/messages/${message.id}`);
    if (!fresh || fresh.id !== message.id) return null;
    historyFor(fresh.conversation_id).add(fresh);
    placeMessage(fresh);
    return fresh;
  } catch {
    return null;
  }
}

function nearBottom() {
  const el = els.messages;
  return el.scrollHeight - el.scrollTop - el.clientHeight < 120;
}

export function scrollToBottom() {
  els.messages.scrollTop = els.messages.scrollHeight;
}

// --- Receiving and loading --------------------------------------------------------------

/** Add messages we received (any source); returns those that were new. */
export function receiveMessages(conversationId, messages) {
  const hist = state.histories.get(conversationId);
  const fresh = [];
  let newest = null;
  for (const message of messages) {
    if (hist && hist.add(message)) fresh.push(message);
    if (message.client_id && state.pending.has(message.client_id) && message.sender_id === me.id) {
      resolvePending(message.client_id);
    }
    if (!newest || newest.id <= message.id) newest = message;
  }
  if (newest) noteLastMessage(conversationId, newest);
  if (conversationId === state.openId) messages.forEach(placeMessage);
  return hist ? fresh : messages;
}

/**
 * Load the conversation's newest page, once (afterwards changes.js keeps it current), and
 * start its change cursor there. False (and the reason on screen) if it could not be loaded.
 */
export async function loadHistory(id) {
  const hist = historyFor(id);
  if (hist.loaded) return true;
  els.historyStatus.textContent = "Loading messages…";
  try {
    const page = await api.get(`/api/messages/conversation/${id}`, { limit: PAGE_SIZE });
    page.forEach((m) => hist.add(m));
    hist.hasOlder = page.length >= PAGE_SIZE;
    hist.cursor = Math.max(hist.cursor || 0, ...page.map((m) => m.change_seq || 0));
    hist.loaded = true;
    return true;
  } catch (error) {
    els.historyStatus.textContent = `Could not load messages: ${error.message}`;
    return false;
  }
}

/** The page before the oldest message held (scrolling up; jumping to an older message). */
export async function loadOlder() {
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
export async function fillViewport(id) {
  for (let i = 0; i < 5 && state.openId === id; i += 1) {
    const hist = state.histories.get(id);
    if (!hist?.hasOlder || els.messages.scrollHeight > els.messages.clientHeight + 40) return;
    await loadOlder();
  }
}

// Whether the newest message is in view: when the list's box shrinks (the composer grew
// with lines of text or attached files) it stays in view.
let pinned = true;

els.messages.addEventListener("scroll", () => {
  pinned = nearBottom();
  if (els.messages.scrollTop < 80) loadOlder();
});
new ResizeObserver(() => {
  if (pinned) scrollToBottom();
}).observe(els.messages);

export function markRead(conversationId) {
  const conversation = state.conversations.get(conversationId);
  const hist = state.histories.get(conversationId);
  if (!conversation || !hist || !pageVisible()) return;
  const lastId = hist.lastId;
  if (!lastId) return;
  const alreadyRead = (conversation.last_read_message_id || 0) >= lastId;
  setUnread(conversationId, 0);
  if (alreadyRead) return;
  setLastRead(conversationId, lastId);
  const frame = { type: "mark_read", conversation_id: conversationId, message_id: lastId };
  if (!socket.send(frame)) {
    api.post(`/api/conversations/${conversationId}/read`, { message_id: lastId }).catch(() => {});
  }
}
