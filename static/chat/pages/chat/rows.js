// The rows of the message list: one message (sent or pending) as a row, and the list's
// layout around the rows — day separators and groups of consecutive messages.
//
// A row is compact: the text in a bubble with its time at the end of the first line.
// Consecutive messages from one sender (a few minutes apart at most) form a group: the
// first row of a group shows the sender (avatar and name, in groups; a direct chat names
// nobody: there is one other person), the rows that continue it (class `cont`) show only
// their text, their bubbles joined into one block. Own messages carry no "You" label (only
// screen readers hear it). Every row carries its sender and time (data-sender, data-time),
// so `layoutList` recomputes separators and groups from the rows alone, wherever rows came
// or went.
//
// What other modules show in a row (the "Pinned" mark by the time, a reply's quote above
// the text, the reactions under it) are its parts (message_parts.js); the action bar with
// "More actions" is menu.js's. A sender's name and picture carry `data-action="profile"`
// (sender_actions.js), a failed send's buttons `retry` and `discard` (composer.js).

import { attachmentsElement } from "../../lib/attachments.js";
import { avatar, personAvatar } from "../../lib/avatar.js";
import { botTag } from "../../lib/bot_tag.js";
import { clockTime, dayKey, dayLabel, fullTime, h, linkify } from "../../lib/dom.js";
import { mentionsMe, richText } from "../../lib/rich_text.js";
import { actionBar } from "./menu.js";
import { rowParts } from "./message_parts.js";
import { displayName, memberName, memberOf } from "./names.js";
import { me } from "./page.js";
import { transferBody } from "./payments.js";
import { state } from "./state.js";
import { systemLineElement } from "./system_lines.js";

const GROUP_GAP_MS = 5 * 60 * 1000;

function senderAvatar(conversation, senderId, fallbackName) {
  const member = memberOf(conversation, senderId);
  const options = { size: "sm", className: "msg-avatar" };
  const element = member ? personAvatar(member, options) : avatar({ name: fallbackName, ...options });
  element.dataset.action = "profile"; // a click on the picture opens the profile card
  return element;
}

/** Whether rows of this conversation show the sender's name (groups and rooms do). */
function namesSenders(conversation) {
  return conversation?.type === "group";
}

/**
 * What every row has: who and when for screen readers, the visible header, and the meta
 * (the time, or a pending send's status; the eye gets the time once per group).
 */
function rowFrame(conversation, senderId, fallbackName, time, status) {
  const mine = senderId === me.id;
  const name = mine ? gettext("You") : memberName(conversation, senderId, fallbackName);
  const named = !mine && namesSenders(conversation);
  return {
    named,
    avatar: mine ? null : senderAvatar(conversation, senderId, fallbackName),
    who: h("span", { class: "visually-hidden sr-who", text: `${name}, ${clockTime(time)}: ` }),
    head: named
      ? h("div", { class: "msg-head" }, h("button", { type: "button", class: "msg-author", text: name, dataset: { action: "profile" } }))
      : null,
    meta: h(
      "span",
      { class: "msg-meta" },
      status
        ? h("span", { class: "msg-status", "aria-hidden": "true", text: status })
        : h("time", { datetime: time, "aria-hidden": "true", text: clockTime(time) }),
    ),
  };
}

/** The text: the server's formatted HTML (docs/api.md, "Formatting"), never raw HTML. */
function textBody(message) {
  if (typeof message.content_html !== "string") return h("div", { class: "msg-body" }, linkify(message.content || ""));
  return h("div", { class: "msg-body rich" }, richText(message.content_html, { meId: me.id }));
}

export function messageElement(message, conversation) {
  const line = systemLineElement(message, conversation);
  if (line) return line;
  const mine = message.sender_id === me.id;
  const parts = rowFrame(conversation, message.sender_id, message.sender_username, message.created_at, null);
  if (parts.head && message.sender_is_bot) parts.head.append(botTag(true));
  const body = message.is_deleted
    ? h("div", { class: "msg-body deleted", text: gettext("This message was deleted.") })
    : transferBody(message) || textBody(message);
  if (message.edited_at && !message.is_deleted) {
    parts.meta.prepend(h("span", { class: "msg-edited", title: interpolate(gettext("Edited %(time)s"), { time: fullTime(message.edited_at) }, true), text: gettext("edited") }));
  }
  parts.meta.prepend(...rowParts("meta", message, conversation).filter(Boolean));
  const mentioned = !mine && !message.is_deleted && mentionsMe(message, me.id);
  return h(
    "li",
    {
      class: `msg${mine ? " mine" : ""}${parts.named ? " named" : ""}${message.is_deleted ? " is-deleted" : ""}${mentioned ? " mentions-me" : ""}`,
      dataset: { id: String(message.id), seq: String(message.seq ?? ""), sender: String(message.sender_id), time: message.created_at },
    },
    parts.avatar,
    h(
      "div",
      { class: "msg-bubble", title: fullTime(message.created_at) },
      parts.head,
      parts.who,
      parts.meta,
      rowParts("above", message, conversation),
      body,
      message.is_deleted ? null : attachmentsElement(message.attachments, { onBroken: () => refreshHook(message) }),
      rowParts("below", message, conversation),
      actionBar(message, conversation),
    ),
  );
}

// messages.js refetches a message whose attachment URLs expired; it registers how here
// (rows.js sits below it and cannot import it).
let refreshHook = () => {};
export function onBrokenAttachment(hook) {
  refreshHook = hook;
}

function actionButton(action, text) {
  return h("button", { type: "button", class: "link-button", text, dataset: { action } });
}

export function pendingElement(clientId, pending) {
  const conversation = state.conversations.get(pending.conversationId);
  const parts = rowFrame(conversation, me.id, displayName(me), pending.createdAt, pending.failed ? gettext("Not sent") : gettext("Sending…"));
  return h(
    "li",
    { class: `msg mine pending${pending.failed ? " failed" : ""}`, dataset: { clientId, sender: String(me.id), time: pending.createdAt } },
    h(
      "div",
      { class: "msg-bubble" },
      parts.who,
      parts.meta,
      h("div", { class: "msg-body" }, linkify(pending.content)),
      attachmentsElement(pending.attachments),
      pending.failed
        ? h(
            "div",
            { class: "msg-actions visible" },
            h("span", { class: "form-error", text: pending.failed }),
            actionButton("retry", gettext("Retry")),
            actionButton("discard", gettext("Discard")),
          )
        : null,
    ),
  );
}

/** Whether `row` opens a group of messages (else it continues the one above it). */
function startsGroup(row, prev) {
  if (!prev || prev.dataset.sender !== row.dataset.sender) return true;
  return Math.abs(Date.parse(row.dataset.time) - Date.parse(prev.dataset.time)) > GROUP_GAP_MS;
}

function divider(time) {
  return h("li", { class: "day-divider", dataset: { day: dayKey(time) } }, h("span", { class: "day-label", text: dayLabel(time) }));
}

/**
 * Put the list's separators and groups right: a day separator before the first message
 * of each day (kept where it is right, added or removed where not), and `cont` on each
 * row that continues its sender's group. One pass over the rows, touching only what
 * changed, so it runs after every insertion or removal.
 */
export function layoutList(list) {
  let prev = null; // the last message row seen
  for (const node of [...list.children]) {
    if (node.classList.contains("day-divider")) {
      const next = node.nextElementSibling;
      const needed = next && !next.classList.contains("day-divider") && (!prev || dayKey(prev.dataset.time) !== dayKey(next.dataset.time));
      if (!needed || node.dataset.day !== dayKey(next.dataset.time)) node.remove();
      continue;
    }
    const newDay = !prev || dayKey(prev.dataset.time) !== dayKey(node.dataset.time);
    if (newDay && !node.previousElementSibling?.classList.contains("day-divider")) {
      list.insertBefore(divider(node.dataset.time), node);
    }
    node.classList.toggle("cont", !newDay && !startsGroup(node, prev));
    prev = node;
  }
}
