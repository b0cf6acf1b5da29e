// The one dispatcher of the socket's events (and presence) to the chat screen's modules.

import { announceMessage } from "./announce.js";
import { applyDeletion, applyMessage, applyUnpinned, catchUp, noteChange } from "./changes.js";
import { sendPendingRest } from "./composer.js";
import { alertMessage } from "./attention.js";
import { fetchConversation, loadConversations, openConversation, renderHeader } from "./conversation.js";
import { applyRoleChange } from "./group_admin.js";
import { markRead, receiveMessages, refreshSender, resolvePending } from "./messages.js";
import { memberName } from "./names.js";
import { me, pageVisible, presence, socket } from "./page.js";
import { reloadPins } from "./pins.js";
import { applyReaction } from "./reactions.js";
import { noteRead, reloadSeen } from "./seen.js";
import { addUnread, forgetConversation, setUnread, state, updatePerson, upsertConversation } from "./state.js";
import { setTyping } from "./typing.js";

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
  reloadSeen(); // read markers are not changes of messages: ask for them again
  reloadPins();
});

// Every event with a change number moves that conversation's change cursor (changes.js).
socket.on("frame", noteChange);

socket.on("new_message", ({ message, alert }) => {
  onIncomingMessage(message);
  if (alert) alertMessage(message, openConversation); // the server applied level, mute, DND
});
socket.on("message_ack", ({ message, client_id: clientId }) => {
  if (clientId) resolvePending(clientId);
  if (message) onIncomingMessage(message);
});

function onIncomingMessage(message) {
  const id = message.conversation_id;
  if (!state.conversations.has(id)) {
    fetchConversation(id); // a conversation we have not seen yet
    return;
  }
  const hist = state.histories.get(id);
  const gap = hist?.loaded && hist.lastSeq && message.seq > hist.lastSeq + 1;
  const fresh = receiveMessages(id, [message]);
  const news = message.sender_id !== me.id && message.message_type !== "system"; // never unread
  if (fresh.length && news && !(id === state.openId && pageVisible())) {
    addUnread(id, (message.mentions || []).includes(me.id));
  }
  if (fresh.length && message.sender_id !== me.id && id === state.openId) announceMessage(message);
  if (message.sender_id !== me.id) setTyping(id, message.sender_id, "", false);
  if (gap) catchUp(id);
  if (id === state.openId) markRead(id);
}

socket.on("message_updated", ({ message }) => applyMessage(message));
socket.on("message_pinned", ({ message }) => applyMessage(message));
socket.on("message_unpinned", (frame) => applyUnpinned(frame));
socket.on("reaction_added", (frame) => applyReaction(frame, true));
socket.on("reaction_removed", (frame) => applyReaction(frame, false));

socket.on("error", (frame) => {
  // A refused send (too long, throttled, not a member): REST with the same client_id
  // tells us exactly why and shows it on the pending message.
  if (frame.request_type === "send_message") {
    for (const [clientId, pending] of state.pending) if (!pending.failed) sendPendingRest(clientId);
  }
});

socket.on("message_deleted", ({ conversation_id: cid, message_id: mid, change_seq: n }) => applyDeletion(cid, mid, n));

socket.on("typing", ({ conversation_id: cid, user_id: uid, username, is_typing: isTyping }) => {
  if (uid === me.id) return;
  const conversation = state.conversations.get(cid);
  setTyping(cid, uid, memberName(conversation, uid, username), isTyping);
});

socket.on("read", (frame) => {
  if (frame.user_id === me.id) setUnread(frame.conversation_id, 0); // read on another device
  noteRead(frame);
});

socket.on("conversation_created", ({ conversation }) => upsertConversation(conversation));

socket.on("conversation_updated", ({ conversation }) => {
  upsertConversation(conversation);
  if (conversation.id === state.openId) renderHeader();
});

// Someone's new name or picture: their sidebar rows (state announces those), the header
// of a direct chat with them, and their rows in the open message list.
socket.on("user_updated", ({ user }) => {
  if (!user) return;
  const changed = updatePerson(user);
  if (changed.includes(state.openId)) {
    renderHeader();
    refreshSender(user.id);
  }
});

socket.on("conversation_deleted", ({ conversation_id: cid }) =>
  forgetConversation(cid, gettext("This conversation was deleted.")),
);
socket.on("removed_from_conversation", ({ conversation_id: cid }) =>
  forgetConversation(cid, gettext("You were removed from this conversation.")),
);

socket.on("member_role_changed", applyRoleChange);
socket.on("member_added", ({ conversation_id: cid }) => {
  fetchConversation(cid);
  reloadSeen(cid);
});
socket.on("member_removed", ({ conversation_id: cid, user_id: uid }) => {
  if (uid === me.id) forgetConversation(cid, gettext("You were removed from this conversation."));
  else if (state.conversations.has(cid)) fetchConversation(cid).then(() => reloadSeen(cid));
});

// A block ends the friendship: "seen by" leaves the blocked person out from now on.
socket.on("friend_removed", () => reloadSeen());

// The sidebar follows presence itself; the header is ours to refresh.
presence.addEventListener("change", renderHeader);
