// "… is typing": telling others while the composer is in use, and showing who else types
// in the open conversation (state.typing, one timer per person).

import { els, socket } from "./page.js";
import { state } from "./state.js";

const TYPING_SEND_EVERY = 3000;
const TYPING_IDLE_STOP = 4000;
const TYPING_SHOW_FOR = 6000;

let typingSentAt = 0;
let typingStopTimer = null;
let typingConversation = null;

export function noteTyping() {
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

export function stopTyping() {
  clearTimeout(typingStopTimer);
  if (typingConversation && typingSentAt) {
    socket.send({ type: "typing", conversation_id: typingConversation, is_typing: false });
  }
  typingSentAt = 0;
  typingConversation = null;
}

export function setTyping(conversationId, userId, name, isTyping) {
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
  else if (names.length === 1) els.typing.textContent = interpolate(gettext("%(name)s is typing…"), { name: names[0] }, true);
  else if (names.length === 2) els.typing.textContent = interpolate(gettext("%(first)s and %(second)s are typing…"), { first: names[0], second: names[1] }, true);
  else els.typing.textContent = gettext("Several people are typing…");
}
