// The message list of the open conversation: which rows it shows (sent and pending
// messages; rows.js draws them), receiving messages from any source (and announcing
// others' new ones to screen readers), infinite scroll to older pages, fetching a message
// again for fresh attachment URLs, and marking what is on screen as read. Catching up is
// changes.js's. A history opened around one message (jump.js) has newer messages still to
// load (`hasNewer`): live ones wait until the reader gets there.
//
// What other modules show in a row (quote, reactions, pin mark) are its parts
// (message_parts.js); what can be done to a message is the message menu (menu.js). Buttons
// of a pending row carry `data-action` (composer.js: retry, discard; attachments.js: view).

import { api, ApiError } from "../../lib/api.js";
import { clear } from "../../lib/dom.js";
import { els, me, pageVisible, socket } from "./page.js";
import { layoutList, messageElement, onBrokenAttachment, pendingElement } from "./rows.js";
import { historyFor, noteLastMessage, resetHistory, setLastRead, setUnread, state, takePending } from "./state.js";

const PAGE_SIZE = 50;

// --- Rendering ----------------------------------------------------------------------
//
// Rows, day separators and groups are rows.js's; this module decides which rows are in
// the list and keeps the view where the reader is.

onBrokenAttachment((message) => refreshMessage(message));

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
  layoutList(els.messageList);
  els.historyStatus.textContent = hist.hasOlder ? "" : hist.byId.size ? gettext("Beginning of the conversation") : gettext("No messages yet. Say hello!");
}

/** Put one message in place (insert in id order, or replace), without a full re-render. */
export function placeMessage(message) {
  if (message.conversation_id !== state.openId) return;
  const conversation = state.conversations.get(state.openId);
  const element = messageElement(historyFor(state.openId).byId.get(message.id) || message, conversation);
  const existing = els.messageList.querySelector(`.msg[data-id="${message.id}"]`);
  if (existing) {
    existing.replaceWith(element);
    layoutList(els.messageList);
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
  layoutList(els.messageList);
  els.historyStatus.textContent = historyFor(state.openId).hasOlder ? "" : gettext("Beginning of the conversation");
  if (stick || message.sender_id === me.id) scrollToBottom();
}

function pendingNode(clientId) {
  return els.messageList.querySelector(`.msg.pending[data-client-id="${CSS.escape(clientId)}"]`);
}

/** Show a message being sent, at the end of the list. */
export function placePending(clientId, pending) {
  if (pending.conversationId !== state.openId) return;
  els.messageList.append(pendingElement(clientId, pending));
  layoutList(els.messageList);
}

export function rerenderPending(clientId) {
  const pending = state.pending.get(clientId);
  const node = pendingNode(clientId);
  if (!node || !pending) return;
  const stick = nearBottom();
  const element = pendingElement(clientId, pending);
  node.replaceWith(element);
  layoutList(els.messageList);
  // A failure grows the row (reason, Retry, Discard): keep all of it in view.
  if (stick) scrollToBottom();
  else if (pending.failed) element.scrollIntoView({ block: "nearest" });
}

/** A pending send is settled (acknowledged, received, discarded): it leaves the list. */
export function resolvePending(clientId) {
  takePending(clientId);
  const node = pendingNode(clientId);
  if (!node) return;
  node.remove();
  layoutList(els.messageList);
}

/** A person's new name or picture on the rows of their messages in the open list. */
export function refreshSender(userId) {
  const conversation = state.conversations.get(state.openId);
  const hist = historyFor(state.openId);
  for (const row of els.messageList.querySelectorAll(`.msg[data-id][data-sender="${Number(userId)}"]`)) {
    const message = hist.byId.get(Number(row.dataset.id));
    if (message) row.replaceWith(messageElement(message, conversation));
  }
  layoutList(els.messageList);
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

/**
 * Bring message `id` into the middle of the list and mark it for a moment (a search
 * result the reader jumped to); it takes the focus, so a screen reader reads it.
 * False if the list does not hold it.
 */
export function revealMessage(id) {
  const row = els.messageList.querySelector(`.msg[data-id="${Number(id)}"]`);
  if (!row) return false;
  pinned = false;
  row.scrollIntoView({ block: "center" });
  row.classList.remove("highlight");
  void row.offsetWidth; // restart the highlight's animation
  row.classList.add("highlight");
  row.tabIndex = -1;
  row.focus({ preventScroll: true });
  setTimeout(() => row.classList.remove("highlight"), 3000);
  return true;
}

function nearBottom() {
  const el = els.messages;
  return el.scrollHeight - el.scrollTop - el.clientHeight < 120;
}

export function scrollToBottom() {
  els.messages.scrollTop = els.messages.scrollHeight;
}

// --- Receiving and loading --------------------------------------------------------------

/**
 * Add messages we received (any source); returns those that were new. A history opened
 * around an older message (`hasNewer`) takes none past what it holds: they come when the
 * reader scrolls down to them.
 */
export function receiveMessages(conversationId, messages) {
  const hist = state.histories.get(conversationId);
  const fresh = [];
  let newest = null;
  const beyond = hist?.hasNewer ? hist.lastId : Infinity;
  for (const message of messages) {
    if (hist && message.id <= beyond && hist.add(message)) fresh.push(message);
    if (message.client_id && state.pending.has(message.client_id) && message.sender_id === me.id) {
      resolvePending(message.client_id);
    }
    if (!newest || newest.id <= message.id) newest = message;
  }
  if (newest) noteLastMessage(conversationId, newest);
  if (conversationId === state.openId) messages.filter((m) => m.id <= beyond).forEach(placeMessage);
  return hist ? fresh : messages;
}

/**
 * Load the conversation's newest page, once (afterwards changes.js keeps it current), or
 * with `around` the page around that message, and start its change cursor there. False
 * (and the reason on screen) if it could not be loaded.
 */
export async function loadHistory(id, { around = null } = {}) {
  const hist = historyFor(id);
  if (around) return loadAround(id, hist, around);
  if (hist.loaded) return true;
  els.historyStatus.textContent = gettext("Loading messages…");
  try {
    const page = await api.get(`/api/messages/conversation/${id}`, { limit: PAGE_SIZE });
    page.forEach((m) => hist.add(m));
    hist.hasOlder = page.length >= PAGE_SIZE;
    hist.cursor = Math.max(hist.cursor || 0, ...page.map((m) => m.change_seq || 0));
    hist.loaded = true;
    return true;
  } catch (error) {
    els.historyStatus.textContent = interpolate(gettext("Could not load messages: %(error)s"), { error: error.message }, true);
    return false;
  }
}

/**
 * Show the newest page again (a history opened around an older message, when the reader
 * sends or asks for the newest): what was held is dropped and loaded afresh.
 */
export async function showLatest(id) {
  if (!state.histories.get(id)?.hasNewer) return;
  resetHistory(id);
  if (!(await loadHistory(id)) || state.openId !== id) return;
  renderMessages();
  scrollToBottom();
  showNewerState();
  markRead(id);
}

/** While newer messages are still to load, a button goes straight to the newest. */
export function showNewerState() {
  els.jumpLatest.hidden = !state.histories.get(state.openId)?.hasNewer;
}

els.jumpLatest.addEventListener("click", () => {
  showLatest(state.openId);
  els.input.focus();
});

async function loadNewer() {
  const id = state.openId;
  const hist = state.histories.get(id);
  if (!hist || !hist.loaded || !hist.hasNewer || hist.loadingNewer) return;
  hist.loadingNewer = true;
  try {
    const page = await api.get(`/api/messages/conversation/${id}`, { limit: PAGE_SIZE, after: hist.lastId });
    page.forEach((m) => hist.add(m));
    hist.hasNewer = page.length >= PAGE_SIZE;
    if (state.openId === id) {
      const top = els.messages.scrollTop;
      renderMessages();
      els.messages.scrollTop = top; // what was on screen stays where it was
      showNewerState();
      if (!hist.hasNewer) markRead(id);
    }
  } catch (error) {
    els.historyStatus.textContent = interpolate(gettext("Could not load newer messages: %(error)s"), { error: error.message }, true);
  } finally {
    hist.loadingNewer = false;
  }
}

/** A page around message `around` (a search result), replacing what was held. */
async function loadAround(id, hist, around) {
  els.historyStatus.textContent = gettext("Loading messages…");
  try {
    const page = await api.get(`/api/messages/conversation/${id}`, { limit: PAGE_SIZE, around });
    page.forEach((m) => hist.add(m));
    const older = page.filter((m) => m.id < around).length;
    const newer = page.filter((m) => m.id > around).length;
    hist.hasOlder = older >= Math.floor(PAGE_SIZE / 2);
    hist.hasNewer = newer >= PAGE_SIZE - Math.floor(PAGE_SIZE / 2) - 1;
    hist.cursor = Math.max(hist.cursor || 0, ...page.map((m) => m.change_seq || 0));
    hist.loaded = true;
    return true;
  } catch (error) {
    els.historyStatus.textContent =
      error instanceof ApiError && error.status === 404 ? gettext("That message is no longer here.") : interpolate(gettext("Could not load messages: %(error)s"), { error: error.message }, true);
    return false;
  }
}

/** The page before the oldest message held (scrolling up). */
async function loadOlder() {
  const id = state.openId;
  const hist = state.histories.get(id);
  if (!hist || !hist.loaded || !hist.hasOlder || hist.loadingOlder) return;
  hist.loadingOlder = true;
  els.historyStatus.textContent = gettext("Loading older messages…");
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
    els.historyStatus.textContent = interpolate(gettext("Could not load older messages: %(error)s"), { error: error.message }, true);
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
// with lines of text or attached files) or its content grows, it stays in view.
let pinned = true;

els.messages.addEventListener("scroll", () => {
  pinned = nearBottom() && !state.histories.get(state.openId)?.hasNewer;
  if (els.messages.scrollTop < 80) loadOlder();
  if (nearBottom()) loadNewer();
});
// The list growing under the reader ("seen by" marks, reactions, an image that loaded)
// keeps the newest message in view too.
const keepPinned = new ResizeObserver(() => {
  if (pinned) scrollToBottom();
});
keepPinned.observe(els.messages);
keepPinned.observe(els.messageList);

export function markRead(conversationId) {
  const conversation = state.conversations.get(conversationId);
  const hist = state.histories.get(conversationId);
  // Read up to the newest message only once it was shown: not from a window further up.
  if (!conversation || !hist || hist.hasNewer || !pageVisible()) return;
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
