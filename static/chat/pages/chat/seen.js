// "Seen by" (docs/api.md, "Seen by"): how far the others have read. A direct chat says
// gettext("Seen") under my last message the other person has read; a group shows, at the latest
// message each member has read (not one of their own), their small avatars, with the full
// list of names on hover, keyboard focus or a tap. The snapshot of read markers
// (GET .../read-positions) is loaded when a conversation is opened and follows the `read`
// events. The snapshot leaves out whoever I block or who blocks me, and so do we: a `read`
// of someone it does not list is ignored (the events go to every member alike).
//
// The marks are drawn from scratch whenever rows come or go (a MutationObserver on the
// list), so the list's renderer knows nothing of them.

import { api } from "../../lib/api.js";
import { personAvatar } from "../../lib/avatar.js";
import { h } from "../../lib/dom.js";
import { hideTooltip, showTooltip } from "../../lib/floating.js";
import { displayName, memberOf, otherMember } from "./names.js";
import { els, me } from "./page.js";
import { onConversationForgotten, onConversationOpened, state } from "./state.js";

const AVATARS_SHOWN = 5;
const positions = new Map(); // conversation id -> Map(user id -> last_read_seq)

async function load(id) {
  try {
    const list = await api.get(`/api/conversations/${id}/read-positions`);
    positions.set(id, new Map(list.map((p) => [p.user_id, p.last_read_seq || 0])));
    if (id === state.openId) refreshSeen();
  } catch {
    /* no marks until the next opening or reconnect */
  }
}

/** A `read` event: someone's marker moved forward. */
export function noteRead({ conversation_id: cid, user_id: uid, seq }) {
  const people = positions.get(cid);
  if (!people?.has(uid) || !(seq > people.get(uid))) return;
  people.set(uid, seq);
  if (cid === state.openId) refreshSeen();
}

/** Ask for every loaded snapshot again (a reconnect; members came or went; a block). */
export function reloadSeen(id = null) {
  for (const cid of positions.keys()) if (id === null || cid === id) load(cid);
}

onConversationOpened((id) => {
  if (!positions.has(id)) load(id);
});
onConversationForgotten((id) => positions.delete(id));

/**
 * Where each member's marker stands among the messages held: member -> the latest message
 * they have read that is not their own. Sending moves one's marker, so a member's own
 * newest message counts as read even before a `read` event says so.
 */
function anchors(conversationId) {
  const people = positions.get(conversationId);
  const hist = state.histories.get(conversationId);
  const found = new Map(); // message id -> [user ids]
  if (!people || !hist) return found;
  const sorted = hist.sorted;
  const sentUpTo = new Map();
  for (const message of sorted) sentUpTo.set(message.sender_id, message.seq);
  for (const [userId, marker] of people) {
    if (userId === me.id) continue;
    const seq = Math.max(marker, sentUpTo.get(userId) || 0);
    let index = lastAtOrBefore(sorted, seq);
    while (index >= 0 && sorted[index].sender_id === userId) index -= 1;
    if (index < 0) continue;
    const id = sorted[index].id;
    if (!found.has(id)) found.set(id, []);
    found.get(id).push(userId);
  }
  return found;
}

function lastAtOrBefore(sorted, seq) {
  let low = 0;
  let high = sorted.length - 1;
  let index = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (sorted[middle].seq <= seq) {
      index = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return index;
}

/** Draw the marks of the open conversation again. */
export function refreshSeen() {
  for (const old of els.messageList.querySelectorAll(".seen-by")) {
    const button = old.querySelector(".seen-faces");
    if (button) hideTooltip(button);
    old.remove();
  }
  const conversation = state.conversations.get(state.openId);
  const hist = state.histories.get(state.openId);
  if (!conversation || !hist) return;
  const found = anchors(state.openId);
  if (conversation.type === "direct") {
    const other = otherMember(conversation);
    if (!other || !positions.get(state.openId)?.has(other.id)) return;
    // gettext("Seen") under my last message at or before where the other has read.
    const readUpTo = [...found.entries()].find(([, users]) => users.includes(other.id))?.[0];
    const limit = readUpTo ? hist.byId.get(readUpTo).seq : 0;
    const mine = hist.sorted.filter((m) => m.sender_id === me.id && m.seq <= limit).pop();
    rowFor(mine?.id)?.append(h("p", { class: "seen-by seen-direct", text: gettext("Seen") }));
    return;
  }
  for (const [messageId, userIds] of found) {
    const members = userIds.map((id) => memberOf(conversation, id)).filter(Boolean);
    const row = rowFor(messageId);
    if (!row || !members.length) continue;
    row.append(seenMark(members));
  }
}

function rowFor(messageId) {
  return messageId ? els.messageList.querySelector(`.msg[data-id="${messageId}"]`) : null;
}

function seenMark(members) {
  const names = members.map(displayName);
  const extra = members.length - AVATARS_SHOWN;
  return h(
    "div",
    { class: "seen-by seen-group" },
    h(
      "button",
      { type: "button", class: "seen-faces", "aria-label": interpolate(gettext("Seen by %(names)s"), { names: names.join(", ") }, true), dataset: { names: names.join(", ") } },
      members.slice(0, AVATARS_SHOWN).map((member) => personAvatar(member, { size: "xs" })),
      extra > 0 ? h("span", { class: "seen-more", text: `+${extra}` }) : null,
    ),
  );
}

new MutationObserver(refreshSeen).observe(els.messageList, { childList: true });

// The full list: hover, keyboard focus, or a tap (until the next press elsewhere).
function faces(event) {
  return event.target.closest?.(".seen-faces");
}
els.messageList.addEventListener("pointerover", (event) => {
  const button = faces(event);
  if (button && event.pointerType === "mouse") showTooltip(button, interpolate(gettext("Seen by %(names)s"), { names: button.dataset.names }, true));
});
els.messageList.addEventListener("pointerout", (event) => {
  const button = faces(event);
  if (button && event.pointerType === "mouse" && !button.contains(event.relatedTarget)) hideTooltip(button);
});
els.messageList.addEventListener("focusin", (event) => {
  const button = faces(event);
  if (button) showTooltip(button, interpolate(gettext("Seen by %(names)s"), { names: button.dataset.names }, true));
});
els.messageList.addEventListener("focusout", (event) => {
  const button = faces(event);
  if (button) hideTooltip(button);
});
els.messageList.addEventListener("click", (event) => {
  const button = faces(event);
  if (button) showTooltip(button, interpolate(gettext("Seen by %(names)s"), { names: button.dataset.names }, true)); // a tap; pressing elsewhere hides it
});
