// Jumping to one message of any conversation (a search result, a mention): open its
// conversation with the history around it (`around=` in docs/api.md), bring it into
// view and mark it. From there the list scrolls both ways: older pages on top, newer ones
// at the bottom until it has caught up (messages.js).

import { openConversation } from "./conversation.js";
import { revealMessage } from "./messages.js";
import { els } from "./page.js";
import { resetHistory, state } from "./state.js";

/** Show message `messageId` of conversation `conversationId`. */
export async function jumpToMessage(conversationId, messageId) {
  els.layout.classList.remove("searching");
  if (state.openId === conversationId && revealMessage(messageId)) return;
  // Not on screen: load the part of the history around it (what was held is dropped; the
  // newest page comes back when the reader scrolls down to it or sends).
  resetHistory(conversationId);
  await openConversation(conversationId, { push: state.openId !== conversationId, around: messageId });
}
