// What one can do about the person who sent a message: their profile card (from their
// name or picture in the list, or "View profile" in the message menu), reporting the
// message, blocking them. The menu items are registered with menu.js like every other
// action; the card, the report dialog and blocking are the ones every page shares
// (lib/profile_card.js, lib/report.js, lib/block.js).

import { personName } from "../../lib/avatar.js";
import { blockPerson } from "../../lib/block.js";
import { openProfileCard } from "../../lib/profile_card.js";
import { openReport } from "../../lib/report.js";
import { openConversation } from "./conversation.js";
import { registerMessageAction } from "./menu.js";
import { memberOf } from "./names.js";
import { els, me, presence } from "./page.js";
import { historyFor, state } from "./state.js";

/** The person who sent a message, as far as we know them. */
function senderOf(message) {
  const conversation = state.conversations.get(message.conversation_id);
  return memberOf(conversation, message.sender_id) || { id: message.sender_id, username: message.sender_username };
}

/** Person `userId`'s card; the focus goes back to `opener` when it closes. */
export function showProfile(userId, opener) {
  return openProfileCard(userId, {
    opener,
    presence,
    onMessage: (conversation) => openConversation(conversation.id, { push: true }),
  });
}

const othersMessage = (message) => message.sender_id !== me.id;

registerMessageAction({
  id: "profile",
  label: (message) => interpolate(gettext("View %(name)s's profile"), { name: personName(senderOf(message)) }, true),
  order: 80,
  when: othersMessage,
  run: (message, { anchor }) => showProfile(message.sender_id, anchor),
});
registerMessageAction({
  id: "report",
  label: gettext("Report message"),
  order: 90,
  when: othersMessage,
  run: (message, { anchor }) => {
    const excerpt = (message.content || "").slice(0, 120);
    openReport({ kind: "message", id: message.id, about: `${personName(senderOf(message))}: “${excerpt}”`, opener: anchor });
  },
});
registerMessageAction({
  id: "block",
  label: (message) => interpolate(gettext("Block %(name)s"), { name: personName(senderOf(message)) }, true),
  order: 100,
  when: othersMessage,
  run: (message) => blockPerson(senderOf(message)),
});

// A click on a sender's name or picture in the list opens their card.
els.messageList.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action='profile']");
  const row = target?.closest(".msg[data-id]");
  const message = row && historyFor(state.openId).byId.get(Number(row.dataset.id));
  if (!message) return;
  // A picture is no button: the focus goes back to the row's "More actions" afterwards.
  showProfile(message.sender_id, target.matches("button") ? target : row.querySelector(".msg-more"));
});
