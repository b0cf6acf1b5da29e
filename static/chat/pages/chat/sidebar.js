// The conversation list. Each conversation has one row, built once and then updated in
// place: state.js announces which conversation changed (a message, its unread count, a
// rename, opening it) and only that row is refilled; presence refills the rows of direct
// chats with that person; a new conversation inserts one row; a forgotten one removes
// its row. Rows stay ordered by recent activity, newest first, by moving the changed row.

import { h, shortTime } from "../../lib/dom.js";
import { attachmentSummary } from "../../lib/files.js";
import { presenceText } from "../../lib/shell.js";
import { activityOf, conversationPicture, conversationTitle, memberName, otherMember } from "./names.js";
import { isMuted, mutedText } from "./attention.js";
import { icon } from "./message_parts.js";
import { els, me, pageVisible, presence } from "./page.js";
import { onConversationChange, state } from "./state.js";
import { systemLineText } from "./system_lines.js";

const BELL_OFF =
  "M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5-6.71V3.5a2 2 0 0 0-4 0v.79a6.9 6.9 0 0 0-2.2 1.1L19 16.6zM3.3 2.3 2 3.6l3.3 3.3A7 7 0 0 0 5 11v5l-2 2v1h14.4l3 3 1.3-1.3z";
const rows = new Map(); // conversation id -> its <li>
let open = () => {};

/** Start following the state; `onOpen(id)` is called when a row is chosen. */
export function initSidebar({ onOpen }) {
  open = onOpen;
  onConversationChange((id) => {
    if (id !== null) updateRow(id);
    updateSummary();
  });
  presence.addEventListener("change", ({ detail }) => {
    for (const conversation of state.conversations.values()) {
      const other = conversation.type === "direct" ? otherMember(conversation) : null;
      if (other && (detail.userId === null || other.id === detail.userId)) {
        updateRow(conversation.id);
      }
    }
  });
}

function updateRow(id) {
  const conversation = state.conversations.get(id);
  let row = rows.get(id);
  if (!conversation) {
    row?.remove();
    rows.delete(id);
    return;
  }
  if (!row) {
    const button = h("button", { type: "button", dataset: { id: String(id) }, onclick: () => open(id) });
    row = h("li", {}, button);
    rows.set(id, row);
  }
  const button = row.firstElementChild;
  const focused = document.activeElement === button;
  fillRow(button, conversation);
  place(row, activityOf(conversation));
  if (focused && document.activeElement !== button) button.focus(); // moving a node blurs it
}

function fillRow(button, conversation) {
  const title = conversationTitle(conversation);
  const other = conversation.type === "direct" ? otherMember(conversation) : null;
  const status = other ? presence.status(other.id) : "offline";
  const active = conversation.id === state.openId;
  const unread = active && pageVisible() ? 0 : conversation.unread_count || 0;
  const mentions = unread ? conversation.unread_mentions || 0 : 0; // of me, counted apart
  const activity = activityOf(conversation);
  const muted = isMuted(conversation);
  button.className = `conv-item${active ? " active" : ""}${unread ? " has-unread" : ""}${muted ? " is-muted" : ""}`;
  if (active) button.setAttribute("aria-current", "true");
  else button.removeAttribute("aria-current");
  button.replaceChildren(
    conversationPicture(conversation, {
      extra: other ? h("span", { class: `dot ${status}`, title: presenceText(status) }) : null,
    }),
    h(
      "span",
      { class: "conv-main" },
      h(
        "span",
        { class: "conv-name" },
        title,
        muted ? h("span", { class: "muted-icon", title: mutedText(conversation) }, icon(BELL_OFF, 14)) : null,
      ),
      previewElement(conversation),
    ),
    h(
      "span",
      { class: "conv-side" },
      h("time", { text: shortTime(activity), datetime: activity }),
      h(
        "span",
        { class: "conv-badges" },
        mentions ? h("span", { class: "badge badge-mention", title: interpolate(ngettext("%(count)s unread mention of you", "%(count)s unread mentions of you", mentions), { count: mentions }, true), text: `@${mentions > 99 ? "99+" : mentions}` }) : null,
        unread ? h("span", { class: `badge${muted ? " badge-muted" : ""}`, text: unread > 99 ? "99+" : String(unread) }) : null,
      ),
    ),
    h(
      "span",
      { class: "visually-hidden" },
      [
        other ? `, ${presenceText(status).toLowerCase()}` : "",
        muted ? `, ${gettext("muted")}` : "",
        unread ? interpolate(gettext(", %(count)s unread"), { count: unread }, true) : "",
        mentions ? interpolate(gettext(", %(count)s mentioning you"), { count: mentions }, true) : "",
      ].join(""),
    ),
  );
}

/** The row's second line: the draft typed there (unless the conversation is open), else the last message. */
function previewElement(conversation) {
  if (conversation.id !== state.openId && state.drafts.has(conversation.id)) {
    const text = state.drafts.get(conversation.id).replace(/\s+/g, " ").trim();
    return h("span", { class: "conv-preview has-draft" }, h("span", { class: "conv-draft", text: gettext("Draft:") }), ` ${text}`);
  }
  return h("span", { class: "conv-preview", text: preview(conversation) });
}

function preview(conversation) {
  const last = conversation.last_message;
  if (!last) return gettext("No messages yet");
  if (last.message_type === "system") return systemLineText(last, conversation); // a system line names its people
  // In a direct chat only "You:" needs saying; in groups every sender is named.
  const who =
    last.sender_id === me.id
      ? `${gettext("You:")} `
      : conversation.type === "group"
        ? `${memberName(conversation, last.sender_id, last.sender_username)}: `
        : "";
  if (last.is_deleted) return `${who}${gettext("message deleted")}`;
  return `${who}${last.content || attachmentSummary(last.attachments) || gettext("Attachment")}`;
}

function rowActivity(row) {
  const conversation = state.conversations.get(Number(row.firstElementChild.dataset.id));
  return conversation ? activityOf(conversation) : "";
}

/** Keep the list newest first: move `row` only if its neighbours say it is out of place. */
function place(row, activity) {
  const list = els.convList;
  if (row.parentNode === list) {
    const prev = row.previousElementSibling;
    const next = row.nextElementSibling;
    const afterPrev = !prev || rowActivity(prev).localeCompare(activity) >= 0;
    const beforeNext = !next || rowActivity(next).localeCompare(activity) <= 0;
    if (afterPrev && beforeNext) return;
  }
  let before = null;
  for (const other of list.children) {
    if (other !== row && rowActivity(other).localeCompare(activity) < 0) {
      before = other;
      break;
    }
  }
  list.insertBefore(row, before);
}

/** The empty state (the unread total of the title and favicon is attention.js's). */
function updateSummary() {
  els.convEmpty.hidden = !state.loadedList || state.conversations.size > 0;
}
