// The chat page's one state object, and the functions that change it.
//
// Everything the chat screen knows lives here, in plain Maps keyed by id; the DOM is
// derived from it. What the sidebar shows of a conversation (its fields, last message,
// unread count, whether it is open) changes only through the mutators below, which
// announce the conversation that changed, so the sidebar updates that one row. This
// module is the bottom of the page: it imports nothing of the page itself.

import { Drafts } from "../../lib/drafts.js";
import { readConfig } from "../../lib/shell.js";

export const state = {
  conversations: new Map(), // id -> conversation (API shape)
  histories: new Map(), // id -> History
  openId: null,
  typing: new Map(), // conversation id -> Map(user id -> {name, timer}), kept by typing.js
  pending: new Map(), // client_id -> {conversationId, content, attachments, createdAt, timer, failed, retries}
  drafts: new Drafts(readConfig().me?.id), // unsent text per conversation (kept in localStorage)
  uploads: new Map(), // conversation id -> files attached in its composer (kept by uploads.js)
  composerFor: null, // the conversation whose draft the composer shows (and sends to)
  friends: [],
  loadedList: false,
};

/**
 * The messages we hold for one conversation, deduplicated by id: REST pages, socket
 * events and catch-up can all deliver the same message. `seq` (gapless per conversation)
 * tells when a live event skipped something.
 */
export class History {
  constructor() {
    this.byId = new Map();
    this.receivedAt = new Map(); // id -> when this copy came (its signed URLs age from then)
    this.hasOlder = true;
    this.hasNewer = false; // opened around an older message: newer ones still to load
    this.loadingOlder = false;
    this.loadingNewer = false;
    this.catchingUp = null;
    this.loaded = false;
    // The change cursor (docs/api.md, "Catching up on everything"): every change up to it
    // is in what we hold; change numbers seen above it wait in `ahead` (kept by changes.js).
    this.cursor = null;
    this.ahead = new Set();
  }

  add(message) {
    const had = this.byId.get(message.id);
    this.byId.set(message.id, had ? { ...had, ...message, reactions: keepMine(had.reactions, message.reactions) } : message);
    this.receivedAt.set(message.id, Date.now());
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

/**
 * A message's reactions from an event that went to every member alike (`me: null`): each
 * emoji keeps whether I reacted with it from the copy we had.
 */
function keepMine(had, incoming) {
  if (!Array.isArray(incoming)) return had;
  const mine = new Map((had || []).map((r) => [r.emoji, Boolean(r.me)]));
  return incoming.map((r) => (r.me === null || r.me === undefined ? { ...r, me: mine.get(r.emoji) || false } : r));
}

export function historyFor(conversationId) {
  if (!state.histories.has(conversationId)) state.histories.set(conversationId, new History());
  return state.histories.get(conversationId);
}

/** Forget the messages held for a conversation (to load another part of its history). */
export function resetHistory(conversationId) {
  state.histories.set(conversationId, new History());
  return state.histories.get(conversationId);
}

// --- Announcements ----------------------------------------------------------------

const changes = new EventTarget();

function announce(type, detail) {
  changes.dispatchEvent(new CustomEvent(type, { detail }));
}

/** `listener(id)` after conversation `id` changed as the sidebar shows it (null: the list). */
export function onConversationChange(listener) {
  changes.addEventListener("change", (event) => listener(event.detail.id));
}

/** `listener(id)` when conversation `id` is opened (its header shows; history may follow). */
export function onConversationOpened(listener) {
  changes.addEventListener("open", (event) => listener(event.detail.id));
}

/**
 * Ask for message `messageId` of conversation `conversationId` to be shown (jump.js does
 * it: modules below it, a reply's quote and the pinned panel, ask this way).
 */
export function requestJump(conversationId, messageId) {
  announce("jump", { conversationId, messageId });
}

export function onJumpRequested(listener) {
  changes.addEventListener("jump", (event) => listener(event.detail.conversationId, event.detail.messageId));
}

/** `listener(id, notice)` when the user is no longer in conversation `id`. */
export function onConversationForgotten(listener) {
  changes.addEventListener("forget", (event) => listener(event.detail.id, event.detail.notice));
}

// --- Conversations ------------------------------------------------------------------

export function upsertConversation(conversation) {
  const known = state.conversations.get(conversation.id);
  const merged = { ...(known || {}), ...conversation };
  // Events may carry a conversation without the per-user fields: keep ours.
  if (known && conversation.unread_count === undefined) merged.unread_count = known.unread_count;
  if (known && conversation.unread_mentions === undefined) merged.unread_mentions = known.unread_mentions;
  if (known && !conversation.last_message && known.last_message) merged.last_message = known.last_message;
  state.conversations.set(conversation.id, merged);
  announce("change", { id: conversation.id });
  return merged;
}

/** The whole list came from the server (an empty list now means "no conversations"). */
export function setConversationsLoaded() {
  state.loadedList = true;
  announce("change", { id: null });
}

export function setOpenConversation(id) {
  const previous = state.openId;
  state.openId = id;
  if (previous !== null && previous !== id) announce("change", { id: previous });
  if (id !== null) announce("change", { id });
  if (id !== null && previous !== id) announce("open", { id });
}

/** `message` is the conversation's last one unless we hold a newer one. */
export function noteLastMessage(conversationId, message) {
  const conversation = state.conversations.get(conversationId);
  if (!conversation || (conversation.last_message && conversation.last_message.id > message.id)) return;
  conversation.last_message = message;
  announce("change", { id: conversationId });
}

/** A new version (edited, deleted) of the message, if it is the conversation's last one. */
export function replaceLastMessage(conversationId, message) {
  const conversation = state.conversations.get(conversationId);
  if (conversation?.last_message?.id !== message.id) return;
  conversation.last_message = message;
  announce("change", { id: conversationId });
}

/** The unread count; nothing unread means no unread mention either. */
export function setUnread(conversationId, count) {
  const conversation = state.conversations.get(conversationId);
  const mentions = count ? conversation?.unread_mentions || 0 : 0;
  if (!conversation || (conversation.unread_count === count && (conversation.unread_mentions || 0) === mentions)) return;
  conversation.unread_count = count;
  conversation.unread_mentions = mentions;
  announce("change", { id: conversationId });
}

/** One more unread message (`mention`: one that mentions me, counted apart too). */
export function addUnread(conversationId, mention = false) {
  const conversation = state.conversations.get(conversationId);
  if (!conversation) return;
  if (mention) conversation.unread_mentions = (conversation.unread_mentions || 0) + 1;
  setUnread(conversationId, (conversation.unread_count || 0) + 1);
}

export function setLastRead(conversationId, messageId) {
  const conversation = state.conversations.get(conversationId);
  if (conversation) conversation.last_read_message_id = messageId;
}

/** Drop everything about a conversation the user is no longer in (left, removed, deleted). */
export function forgetConversation(id, notice) {
  state.drafts.delete(id); // its uploads are cancelled by uploads.js, which hears "forget"
  state.conversations.delete(id);
  state.histories.delete(id);
  state.typing.delete(id);
  announce("forget", { id, notice });
  announce("change", { id });
}

/** The fields of a person that `user_updated` carries (and nothing per-conversation). */
const PERSON_FIELDS = ["username", "display_name", "avatar_url", "avatar_thumbnail_url"];

/**
 * A person's new name or picture (`user_updated`): every conversation they are a member of
 * shows it from now on, and announces the change (the sidebar refills those rows).
 * Returns the ids of those conversations.
 */
export function updatePerson(user) {
  const changed = [];
  const fields = PERSON_FIELDS.filter((field) => user[field] !== undefined);
  const apply = (person) => fields.forEach((field) => (person[field] = user[field]));
  for (const conversation of state.conversations.values()) {
    const member = (conversation.members || []).find((m) => m.id === user.id);
    if (!member) continue;
    apply(member);
    changed.push(conversation.id);
  }
  state.friends.filter((f) => f.id === user.id).forEach(apply);
  changed.forEach((id) => announce("change", { id }));
  return changed;
}

/**
 * The composer's text for a conversation. The sidebar shows the drafts of the
 * conversations that are not open ("Draft: …"), so only those announce a change.
 */
export function setDraft(conversationId, text) {
  if (conversationId === null) return;
  const before = state.drafts.get(conversationId);
  state.drafts.set(conversationId, text);
  if (conversationId !== state.openId && before !== state.drafts.get(conversationId)) {
    announce("change", { id: conversationId });
  }
}

// --- Pending sends ------------------------------------------------------------------

export function addPending(clientId, pending) {
  state.pending.set(clientId, pending);
}

/** Stop tracking a pending send (acknowledged, received or discarded); returns it. */
export function takePending(clientId) {
  const pending = state.pending.get(clientId);
  if (pending) clearTimeout(pending.timer);
  state.pending.delete(clientId);
  return pending;
}
