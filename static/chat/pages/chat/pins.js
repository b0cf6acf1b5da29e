// Pinned messages: Pin/Unpin in the message menu where the user may (a group's admins;
// both people of a direct chat — docs/api.md, "Pins"), a gettext("Pinned") mark on the message,
// and the header's pin button with the count, opening the list (most recently pinned
// first) whose entries jump to the message. The list is loaded when a conversation is
// first opened and then follows every change: our own, `message_pinned` /
// `message_unpinned`, a deletion (which unpins), and the change feed after a reconnect.

import { api } from "../../lib/api.js";
import { h, shortTime, toast } from "../../lib/dom.js";
import { attachmentSummary } from "../../lib/files.js";
import { dismissable, placeNear } from "../../lib/floating.js";
import { firstLine } from "../../lib/rich_text.js";
import { registerMessageAction } from "./menu.js";
import { ICONS, addRowPart, icon } from "./message_parts.js";
import { placeMessage } from "./messages.js";
import { manages } from "./group_admin.js";
import { memberName } from "./names.js";
import { els } from "./page.js";
import { onConversationForgotten, onConversationOpened, requestJump, state } from "./state.js";

const pins = new Map(); // conversation id -> pinned messages, most recently pinned first

const count = h("span", { class: "pins-count", text: "0" });
const button = h(
  "button",
  { type: "button", class: "ghost small pins-button", id: "pins-button", "aria-haspopup": "dialog", "aria-expanded": "false", hidden: true },
  icon(ICONS.pin, 16),
  count,
  h("span", { class: "visually-hidden", text: ` ${gettext("pinned")}` }),
);
els.detailsButton.before(button);

/** Whether the user may pin in this conversation (the server says so again). */
export function canPin(conversation) {
  if (!conversation) return false;
  return conversation.type === "direct" || manages(conversation);
}

addRowPart("meta", (message) =>
  message.pinned_at && !message.is_deleted
    ? h("span", { class: "msg-pinned", title: gettext("Pinned") }, icon(ICONS.pin, 13), gettext("Pinned"))
    : null,
);

registerMessageAction({
  id: "pin",
  label: (message) => (message.pinned_at ? gettext("Unpin") : gettext("Pin")),
  order: 30,
  when: (message, conversation) => canPin(conversation),
  run: (message) => setPinned(message, !message.pinned_at),
});

async function setPinned(message, pinned) {
  try {
    if (pinned) {
      syncPin(await api.put(`/api/messages/${message.id}/pin`));
    } else {
      await api.del(`/api/messages/${message.id}/pin`);
      syncPin({ ...message, pinned_at: null, pinned_by_id: null });
    }
  } catch (error) {
    toast(interpolate(pinned ? gettext("Could not pin the message: %(error)s") : gettext("Could not unpin the message: %(error)s"), { error: error.message }, true), "error");
  }
}

/**
 * A message as it is now (any source): in the pinned list if it is pinned, out of it if
 * not (or deleted). Our copy in the history and its row follow (pinned mark).
 */
export function syncPin(message) {
  const cid = message.conversation_id;
  const hist = state.histories.get(cid);
  const held = hist?.byId.get(message.id);
  if (held && (held.pinned_at !== message.pinned_at || message.is_deleted)) {
    hist.add({ ...held, pinned_at: message.pinned_at ?? null, pinned_by_id: message.pinned_by_id ?? null });
    placeMessage(hist.byId.get(message.id));
  }
  const list = pins.get(cid);
  if (!list) return;
  const others = list.filter((m) => m.id !== message.id);
  if (message.pinned_at && !message.is_deleted) others.push({ ...(list.find((m) => m.id === message.id) || {}), ...message });
  others.sort((a, b) => (b.pinned_at || "").localeCompare(a.pinned_at || ""));
  pins.set(cid, others);
  if (cid === state.openId) render();
}

async function load(id) {
  try {
    const list = await api.get(`/api/conversations/${id}/pins`);
    pins.set(id, list);
    if (id === state.openId) render();
  } catch {
    /* not loaded: the button stays hidden; the next opening tries again */
  }
}

/** Load the pinned list again (after a reconnect, when events may have been lost). */
export function reloadPins() {
  for (const id of pins.keys()) load(id);
}

onConversationOpened((id) => {
  closePanel();
  render();
  if (!pins.has(id)) load(id);
});
onConversationForgotten((id) => {
  pins.delete(id);
  if (id === state.openId) closePanel();
});

function render() {
  const list = pins.get(state.openId) || [];
  button.hidden = list.length === 0;
  count.textContent = String(list.length);
  button.title = interpolate(ngettext("%(count)s pinned message", "%(count)s pinned messages", list.length), { count: list.length }, true);
  button.setAttribute("aria-label", button.title);
  if (panel) fillPanel();
  if (!list.length) closePanel();
}

// --- The panel -----------------------------------------------------------------------------------

let panel = null;
let stopDismiss = () => {};

function closePanel({ focus = false } = {}) {
  if (!panel) return;
  stopDismiss();
  panel.remove();
  panel = null;
  button.setAttribute("aria-expanded", "false");
  if (focus) button.focus();
}

function fillPanel() {
  const conversation = state.conversations.get(state.openId);
  const list = pins.get(state.openId) || [];
  const mayUnpin = canPin(conversation);
  panel.querySelector(".pins-list").replaceChildren(
    ...list.map((message) =>
      h(
        "li",
        { class: "pins-item" },
        h(
          "button",
          { type: "button", class: "pins-open", dataset: { id: String(message.id) } },
          h("span", { class: "pins-meta" }, h("strong", { text: memberName(conversation, message.sender_id, message.sender_username) }), " ", h("time", { datetime: message.created_at, text: shortTime(message.created_at) })),
          h("span", { class: "pins-text", text: firstLine(message.content_html) || attachmentSummary(message.attachments) || gettext("Attachment") }),
        ),
        mayUnpin ? h("button", { type: "button", class: "link-button pins-unpin", text: gettext("Unpin"), dataset: { id: String(message.id) } }) : null,
      ),
    ),
  );
}

function openPanel() {
  if (panel) return closePanel({ focus: true });
  panel = h(
    "div",
    { class: "pins-panel popover", role: "dialog", "aria-label": gettext("Pinned messages") },
    h("h2", { class: "pins-title", text: gettext("Pinned messages") }),
    h("ul", { class: "pins-list" }),
  );
  fillPanel();
  document.body.append(panel);
  placeNear(panel, button, { align: "end" });
  button.setAttribute("aria-expanded", "true");
  stopDismiss = dismissable(panel, button, () => closePanel());
  panel.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-id]");
    if (!target) return;
    const id = Number(target.dataset.id);
    if (target.classList.contains("pins-unpin")) {
      const message = (pins.get(state.openId) || []).find((m) => m.id === id);
      if (message) setPinned(message, false);
      return;
    }
    closePanel();
    requestJump(state.openId, id);
  });
  panel.querySelector("button")?.focus();
}

button.addEventListener("click", openPanel);
