// New messages of the open conversation, told to screen readers: a visually hidden polite
// live region (chat.html, #message-announcer) says who wrote what, once per message that
// arrives live from someone else. History that loads, catch-up and one's own messages
// are not read out (the list itself is not a live region, so they stay quiet).

import { attachmentSummary } from "../../lib/files.js";
import { memberName } from "./names.js";
import { els } from "./page.js";
import { state } from "./state.js";

const MAX = 300; // characters read out of a long message

let clearTimer = null;

export function announceMessage(message) {
  const conversation = state.conversations.get(message.conversation_id);
  const who = memberName(conversation, message.sender_id, message.sender_username);
  const text = message.content || attachmentSummary(message.attachments) || gettext("sent a message");
  const said = `${who}: ${text.length > MAX ? `${text.slice(0, MAX)}…` : text}`;
  // The same words twice in a row are announced again only if the region changes first.
  els.announcer.textContent = "";
  requestAnimationFrame(() => {
    els.announcer.textContent = said;
  });
  clearTimeout(clearTimer);
  clearTimer = setTimeout(() => (els.announcer.textContent = ""), 10000);
}
