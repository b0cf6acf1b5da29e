// Who is here: the people viewing a conversation right now (docs/api.md, WebSocket:
// `join_conversation` answers `viewer_ids`, then `user_joined` and `user_left` follow as
// people open and leave it). Kept for the open conversation; the header shows how many
// are here and Details marks them in the member list.

import { socket } from "./page.js";
import { onConversationForgotten, state } from "./state.js";

const viewers = new Map(); // conversation id -> Set of user ids viewing it
const changes = new EventTarget();

function changed(conversationId) {
  changes.dispatchEvent(new CustomEvent("change", { detail: { conversationId } }));
}

/** The ids of the people viewing conversation `id` now (empty until the server said). */
export function viewersOf(id) {
  return viewers.get(id) || new Set();
}

/** `listener(conversationId)` when who is viewing a conversation changed. */
export function onViewersChange(listener) {
  changes.addEventListener("change", (event) => listener(event.detail.conversationId));
}

socket.on("joined_conversation", ({ conversation_id: id, viewer_ids: ids }) => {
  viewers.set(id, new Set(ids || []));
  changed(id);
});
socket.on("user_joined", ({ conversation_id: id, user_id: userId }) => {
  if (!viewers.has(id)) return; // not one we view: we never asked who is there
  viewers.get(id).add(userId);
  changed(id);
});
socket.on("user_left", ({ conversation_id: id, user_id: userId }) => {
  if (!viewers.get(id)?.delete(userId)) return;
  changed(id);
});
socket.on("left_conversation", ({ conversation_id: id }) => {
  if (id === state.openId) return; // a late answer for a conversation opened again
  viewers.delete(id);
  changed(id);
});
// While our socket is down we hear nothing: what we knew is stale until the rejoin answers.
socket.addEventListener("state", ({ detail }) => {
  if (detail.state === "open" || !viewers.size) return;
  const ids = [...viewers.keys()];
  viewers.clear();
  ids.forEach(changed);
});
onConversationForgotten((id) => {
  if (viewers.delete(id)) changed(id);
});
