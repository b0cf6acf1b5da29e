// Going to one message of any conversation: a search result, a mention, a reply's quote,
// the pinned panel. A message the open list holds is scrolled to; any other is shown by
// opening its conversation with the history around it (`around=` in docs/api.md). Either
// way it is brought to the middle of the list, highlighted for a moment and focused, for
// keyboard and screen readers. From there the list scrolls both ways: older pages on top,
// newer ones at the bottom until it has caught up (messages.js).

import { openConversation } from "./conversation.js";
import { revealMessage } from "./messages.js";
import { els } from "./page.js";
import { onJumpRequested, resetHistory, state } from "./state.js";

/** Show message `messageId` of conversation `conversationId`. */
export async function jumpToMessage(conversationId, messageId) {
  els.layout.classList.remove("searching");
  if (state.openId === conversationId && revealMessage(messageId)) return;
  // Not on screen: load the part of the history around it (what was held is dropped; the
  // newest page comes back when the reader scrolls down to it or sends).
  resetHistory(conversationId);
  await openConversation(conversationId, { push: state.openId !== conversationId, around: messageId });
}

onJumpRequested(jumpToMessage);
