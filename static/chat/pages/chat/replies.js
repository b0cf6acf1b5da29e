// Replies: the Reply action, the quote of the answered message above the composer (one
// per conversation, like the draft; Escape or × cancels it), the quote above a reply in
// the list (its sender, first line, an attachment hint, or gettext("Deleted message")) that jumps
// to the original when clicked, and keeping those quotes true when the original is edited
// or deleted later (docs/api.md, "Replies").

import { h, toast } from "../../lib/dom.js";
import { registerMessageAction } from "./menu.js";
import { ICONS, addRowPart, icon } from "./message_parts.js";
import { placeMessage } from "./messages.js";
import { memberName } from "./names.js";
import { els } from "./page.js";
import { onConversationForgotten, onConversationOpened, requestJump, state } from "./state.js";

const PREVIEW_LENGTH = 100;
const replying = new Map(); // conversation id -> the quote the composer's next message answers
const bar = document.getElementById("composer-reply");

/** The server's preview of a quoted text: its first non-blank line, at most 100 characters. */
export function previewOf(text) {
  const line = (text || "").split(/\r\n|\r|\n/).map((l) => l.trim()).find(Boolean) || "";
  const chars = Array.from(line);
  return chars.length <= PREVIEW_LENGTH ? line : `${chars.slice(0, PREVIEW_LENGTH - 1).join("").trimEnd()}…`;
}

/** A message as a quote (the `reply_to` shape), for the composer and for live updates. */
function quoteOf(message) {
  return {
    id: message.id,
    sender: { id: message.sender_id, username: message.sender_username, display_name: null },
    preview: message.is_deleted ? "" : previewOf(message.content),
    has_attachments: !message.is_deleted && (message.attachments || []).length > 0,
    deleted: Boolean(message.is_deleted),
  };
}

function quoteParts(quote, conversation) {
  const sender = quote.sender || {};
  const name = memberName(conversation, sender.id, sender.display_name || sender.username);
  const text = quote.deleted
    ? h("span", { class: "quote-text deleted", text: gettext("Deleted message") })
    : h("span", { class: "quote-text", text: quote.preview || (quote.has_attachments ? "" : "…") });
  const hint = !quote.deleted && quote.has_attachments ? h("span", { class: "quote-attachment" }, icon(ICONS.clip, 14), gettext("Attachment")) : null;
  return [h("span", { class: "quote-author", text: name }), text, hint];
}

// The quote above a reply in the list.
addRowPart("above", (message, conversation) => {
  const quote = message.reply_to;
  if (!quote || message.is_deleted) return null;
  if (quote.deleted) return h("div", { class: "msg-quote is-deleted" }, quoteParts(quote, conversation));
  const label = interpolate(
    gettext("In reply to %(name)s: %(text)s. Show the original message"),
    { name: memberName(conversation, quote.sender?.id, quote.sender?.username), text: quote.preview || gettext("attachment") },
    true,
  );
  return h(
    "button",
    { type: "button", class: "msg-quote", "aria-label": label, dataset: { replyTo: String(quote.id) } },
    quoteParts(quote, conversation),
  );
});

els.messageList.addEventListener("click", (event) => {
  const quote = event.target.closest("button.msg-quote[data-reply-to]");
  if (quote) requestJump(state.openId, Number(quote.dataset.replyTo));
});

registerMessageAction({
  id: "reply",
  label: gettext("Reply"),
  order: 20,
  quick: true,
  icon: ICONS.reply,
  when: () => !els.composer.hidden,
  run: (message) => startReply(message),
});

// --- The quote above the composer -----------------------------------------------------------

function startReply(message) {
  replying.set(message.conversation_id, quoteOf(message));
  renderBar();
  els.input.focus();
}

function cancelReply() {
  replying.delete(state.composerFor);
  renderBar();
}

function renderBar() {
  const quote = replying.get(state.openId);
  bar.hidden = !quote;
  if (!quote) {
    bar.replaceChildren();
    return;
  }
  const conversation = state.conversations.get(state.openId);
  bar.replaceChildren(
    h("div", { class: "composer-reply-quote" }, h("span", { class: "muted", text: gettext("Replying to") }), quoteParts(quote, conversation)),
    h("button", { type: "button", class: "icon-button composer-reply-cancel", "aria-label": gettext("Cancel reply"), title: gettext("Cancel reply (Esc)"), text: "×", onclick: () => {
      cancelReply();
      els.input.focus();
    } }),
  );
}

/** The id of the message the composer's next message answers, and forget it (it is sent). */
export function takeReply(conversationId) {
  const quote = replying.get(conversationId);
  replying.delete(conversationId);
  if (conversationId === state.openId) renderBar();
  return quote ? quote.id : null;
}

els.input.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || !replying.has(state.composerFor)) return;
  event.preventDefault();
  cancelReply();
});

onConversationOpened(renderBar);
onConversationForgotten((id) => {
  replying.delete(id);
  if (id === state.openId) renderBar();
});

// --- Quotes follow their original ------------------------------------------------------------

/**
 * The original `message` changed (edited, deleted; any source): the quotes of the replies
 * to it we hold show it as it is now, and so does the composer's quote.
 */
export function refreshQuotes(message) {
  const hist = state.histories.get(message.conversation_id);
  const quote = quoteOf(message);
  for (const reply of hist ? hist.byId.values() : []) {
    if (reply.reply_to?.id !== message.id) continue;
    reply.reply_to = { ...reply.reply_to, preview: quote.preview, has_attachments: quote.has_attachments, deleted: quote.deleted };
    placeMessage(reply);
  }
  const pending = replying.get(message.conversation_id);
  if (pending?.id !== message.id) return;
  if (message.is_deleted) {
    replying.delete(message.conversation_id);
    if (message.conversation_id === state.openId) toast(gettext("The message you were replying to was deleted."));
  } else {
    replying.set(message.conversation_id, { ...pending, preview: quote.preview, has_attachments: quote.has_attachments });
  }
  if (message.conversation_id === state.openId) renderBar();
}
