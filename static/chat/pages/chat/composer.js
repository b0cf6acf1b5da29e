// The composer and sending. The composer belongs to one conversation at a time: it shows
// that conversation's draft and sends only to it (docs/architecture.md, "the composer
// belongs to one conversation"). A message goes over the socket with a client_id and
// shows as pending until acknowledged; without an ack in time, or refused, it goes over
// REST with the same client_id (idempotent), and a 429 "overloaded" is tried again after
// Retry-After. Files attached in the composer (uploads.js) go with the message as
// attachment_ids; the text may then be empty. A quote taken with Reply (replies.js) goes
// as reply_to.

import { api } from "../../lib/api.js";
import { randomId } from "../../lib/dom.js";
import {
  placePending,
  receiveMessages,
  rerenderPending,
  resolvePending,
  scrollToBottom,
  showLatest,
} from "./messages.js";
import { renderMute } from "./mutes.js";
import { els, socket } from "./page.js";
import { takeReply } from "./replies.js";
import { addPending, onConversationForgotten, setDraft, state } from "./state.js";
import { noteTyping, stopTyping } from "./typing.js";
import { clearSentUploads, readyUploads, renderTray, trayNotice } from "./uploads.js";

const ACK_TIMEOUT = 8000;
// How often a send refused with 429 "overloaded" is tried again before it shows as failed.
const OVERLOAD_RETRIES = 5;

/**
 * Show conversation `id`'s draft in the composer (null: none), keeping what was typed for
 * the conversation it showed before. Called as soon as another conversation is chosen,
 * before anything is awaited, so Enter can only ever send to the conversation on screen.
 */
export function bindComposer(id) {
  if (state.composerFor === id) return;
  if (state.composerFor !== null) setDraft(state.composerFor, els.input.value);
  stopTyping();
  state.composerFor = id;
  els.input.value = id === null ? "" : state.drafts.get(id);
  autoGrow();
  renderTray();
  renderMute();
}

function autoGrow() {
  els.input.style.height = "auto";
  // Hidden (a conversation not yet on screen), it measures 0: keep the natural height.
  if (!els.input.scrollHeight) return;
  els.input.style.height = `${Math.min(els.input.scrollHeight, 200)}px`;
}

// A conversation the user is no longer in takes its draft along (state.js dropped it).
onConversationForgotten((id) => {
  if (state.composerFor !== id) return;
  state.composerFor = null;
  els.input.value = "";
  autoGrow();
});

els.input.addEventListener("keydown", (event) => {
  if (event.defaultPrevented) return; // a key the mention list took
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    els.composer.requestSubmit();
  }
});
els.input.addEventListener("input", () => {
  autoGrow();
  setDraft(state.composerFor, els.input.value); // kept as typed: a reload brings it back
  if (els.input.value.trim()) noteTyping();
  else stopTyping();
});
els.input.addEventListener("blur", stopTyping);
els.composer.addEventListener("submit", async (event) => {
  event.preventDefault();
  const content = els.input.value.trim();
  const conversationId = state.composerFor;
  if (conversationId === null || conversationId !== state.openId) return;
  const { attachments, busy } = readyUploads(conversationId);
  if (busy) {
    trayNotice(gettext("Still uploading: the message goes when every file is up (or cancel it)."));
    return;
  }
  if (!content && !attachments.length) return;
  const replyTo = takeReply(conversationId);
  clearSentUploads(conversationId);
  trayNotice("");
  state.drafts.delete(conversationId);
  els.input.value = "";
  autoGrow();
  stopTyping();
  // Reading further up (a search result): the message goes below the newest, so show them.
  if (state.histories.get(conversationId)?.hasNewer) await showLatest(conversationId);
  send(conversationId, content, attachments, replyTo);
});

// A failed send's Retry and Discard buttons.
els.messageList.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  const clientId = button?.closest(".msg.pending")?.dataset.clientId;
  if (!clientId) return;
  if (button.dataset.action === "retry") sendPendingRest(clientId);
  else if (button.dataset.action === "discard") resolvePending(clientId);
});

function send(conversationId, content, attachments, replyTo) {
  const clientId = randomId();
  const pending = { conversationId, content, attachments, replyTo, createdAt: new Date().toISOString(), timer: null, failed: null, retries: 0 };
  addPending(clientId, pending);
  placePending(clientId, pending);
  scrollToBottom();
  const frame = { type: "send_message", conversation_id: conversationId, content, client_id: clientId };
  if (attachments.length) frame.attachment_ids = attachments.map((a) => a.id);
  if (replyTo) frame.reply_to = replyTo;
  const sent = socket.send(frame);
  if (sent) {
    // No ack in time (socket died mid-flight)? REST with the same client_id is
    // idempotent: it returns the first message instead of a duplicate.
    pending.timer = setTimeout(() => sendPendingRest(clientId), ACK_TIMEOUT);
  } else {
    sendPendingRest(clientId);
  }
}

/** Send a pending message over REST, with its client_id (also the Retry button). */
export async function sendPendingRest(clientId) {
  const pending = state.pending.get(clientId);
  if (!pending) return;
  clearTimeout(pending.timer);
  pending.failed = null;
  rerenderPending(clientId);
  try {
    const body = { conversation_id: pending.conversationId, content: pending.content, client_id: clientId };
    if (pending.attachments.length) body.attachment_ids = pending.attachments.map((a) => a.id);
    if (pending.replyTo) body.reply_to = pending.replyTo;
    const message = await api.post("/api/messages", body);
    receiveMessages(message.conversation_id, [message]);
    resolvePending(clientId);
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
