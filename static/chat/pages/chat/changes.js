// Nothing missed: every change to a conversation's messages (sent, edited, deleted,
// reacted to, pinned) has a change number, and each history keeps one cursor — every
// change up to it is in what we hold (docs/api.md, "Catching up on everything"). Live
// events move it; one that skips numbers (lost, or still on its way) waits a moment and
// then asks `GET /api/conversations/{id}/changes?since=<cursor>`, as every reconnect and
// every reopening does, page after page while `has_more`. Each changed message is then
// applied everywhere it shows: its row, the sidebar's preview, the quotes of replies to
// it, the pinned list.

import { api, ApiError } from "../../lib/api.js";
import { DELETED, applyDeleted } from "./editing.js";
import { loadHistory, markRead, receiveMessages, renderMessages } from "./messages.js";
import { syncPin } from "./pins.js";
import { refreshQuotes } from "./replies.js";
import { forgetConversation, replaceLastMessage, state } from "./state.js";

const PAGE = 100;
const GAP_WAIT_MS = 400;

/**
 * The open conversation's messages: its newest page the first time, what changed since
 * after; with `around`, the page around that message (jump.js dropped what was held).
 */
export async function openHistory(id, { around = null } = {}) {
  const hist = state.histories.get(id);
  if (around) return loadHistory(id, { around });
  if (hist?.loaded) {
    await catchUp(id);
    return true;
  }
  return loadHistory(id);
}

/**
 * Apply a message as it is now (`message_updated`, `message_pinned`, the change feed).
 * A copy older than ours (a lower `change_seq`) is not applied: a feed page and a live
 * event may cross.
 */
export function applyMessage(message) {
  const cid = message.conversation_id;
  const hist = state.histories.get(cid);
  const held = hist?.byId.get(message.id);
  if (held && (held.change_seq || 0) > (message.change_seq || 0)) return;
  if (message.is_deleted) {
    applyDeletion(cid, message.id, message.change_seq);
    return;
  }
  // A message outside the stretch we hold is shown when its page is loaded (as it is then);
  // adding it now would leave a hole in the list: older than the oldest held, or — in a
  // history opened in the middle (`hasNewer`) — newer than the newest held.
  const inside = hist && (!hist.hasOlder || message.id > (hist.oldestId ?? 0)) && !(hist.hasNewer && message.id > hist.lastId);
  if (held || inside) receiveMessages(cid, [message]);
  replaceLastMessage(cid, message);
  refreshQuotes(message);
  syncPin(message);
}

/** A deleted (or redacted) message: it shows nothing, unpins, and its quotes say so. */
export function applyDeletion(conversationId, messageId, changeSeq) {
  applyDeleted(conversationId, messageId);
  const held = state.histories.get(conversationId)?.byId.get(messageId);
  if (held && changeSeq) held.change_seq = Math.max(held.change_seq || 0, changeSeq);
  const gone = { id: messageId, conversation_id: conversationId, ...DELETED };
  refreshQuotes(gone);
  syncPin(gone);
}

/** The pin state of a message changed without its whole copy (`message_unpinned`). */
export function applyUnpinned({ conversation_id: cid, message_id: mid, change_seq: changeSeq }) {
  const held = state.histories.get(cid)?.byId.get(mid);
  syncPin({ ...(held || { id: mid, conversation_id: cid }), pinned_at: null, pinned_by_id: null });
  if (held && changeSeq) held.change_seq = Math.max(held.change_seq || 0, changeSeq);
}

/**
 * Every event that carries a change number passes here after it was applied: the cursor
 * moves over consecutive numbers; a gap is given a moment to fill, then caught up.
 */
export function noteChange(frame) {
  const changeSeq = frame.change_seq ?? frame.message?.change_seq;
  const cid = frame.conversation_id ?? frame.message?.conversation_id;
  const hist = state.histories.get(cid);
  if (!Number.isInteger(changeSeq) || !hist?.loaded || hist.cursor === null) return;
  if (changeSeq <= hist.cursor) return;
  hist.ahead.add(changeSeq);
  while (hist.ahead.has(hist.cursor + 1)) {
    hist.cursor += 1;
    hist.ahead.delete(hist.cursor);
  }
  if (hist.ahead.size) {
    setTimeout(() => {
      if (hist.ahead.size && [...hist.ahead].some((n) => n > hist.cursor + 1)) catchUp(cid);
    }, GAP_WAIT_MS);
  }
}

/** Fetch every change after the cursor (reconnect, reopening, a gap); one run at a time. */
export function catchUp(conversationId) {
  const hist = state.histories.get(conversationId);
  if (!hist || !hist.loaded) return Promise.resolve();
  if (hist.catchingUp) return hist.catchingUp;
  hist.catchingUp = (async () => {
    try {
      for (;;) {
        const answer = await api.get(`/api/conversations/${conversationId}/changes`, { since: hist.cursor ?? 0, limit: PAGE });
        answer.messages.forEach(applyMessage);
        hist.cursor = Math.max(hist.cursor ?? 0, answer.cursor);
        for (const n of [...hist.ahead]) if (n <= hist.cursor) hist.ahead.delete(n);
        if (!answer.has_more) break;
      }
      if (conversationId === state.openId) markRead(conversationId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        forgetConversation(conversationId, gettext("You are no longer a member of this conversation."));
      } else if (error instanceof ApiError && error.status === 400) {
        await startOver(conversationId); // a cursor the server does not know (a restore)
      }
    } finally {
      hist.catchingUp = null;
    }
  })();
  return hist.catchingUp;
}

/** Drop what we hold of the conversation and load its newest page again. */
async function startOver(conversationId) {
  const hist = state.histories.get(conversationId);
  hist.byId.clear();
  Object.assign(hist, { loaded: false, hasOlder: true, cursor: null });
  hist.ahead.clear();
  if (await loadHistory(conversationId)) {
    if (conversationId === state.openId) renderMessages();
  }
}
