// Reactions: the bar under a message (one chip per emoji, "emoji count", mine pressed;
// a click toggles mine; a last chip opens the picker), the React action, who reacted
// (hover, keyboard focus or a long press on a chip), and the live `reaction_added` /
// `reaction_removed` events. Those go to every member alike, so whether *I* reacted is
// known from the user id of the change; a change older than our copy of the message
// (its `change_seq`) is one we already show and is skipped.

import { api } from "../../lib/api.js";
import { h, toast } from "../../lib/dom.js";
import { emojiName } from "../../lib/emoji_table.js";
import { hideTooltip, showTooltip, tooltipShownFor } from "../../lib/floating.js";
import { openPicker } from "./emoji_picker.js";
import { registerMessageAction } from "./menu.js";
import { ICONS, addRowPart, icon, rowOf } from "./message_parts.js";
import { displayName } from "./names.js";
import { els, me } from "./page.js";
import { state } from "./state.js";

const LONG_PRESS_MS = 500;
const HOVER_DELAY_MS = 300;

function chipLabel({ emoji, count, me: mine }) {
  const fmt = mine
    ? ngettext("%(emoji)s: %(count)s reaction, including yours. Click to take yours back", "%(emoji)s: %(count)s reactions, including yours. Click to take yours back", count)
    : ngettext("%(emoji)s: %(count)s reaction. Click to add yours", "%(emoji)s: %(count)s reactions. Click to add yours", count);
  return interpolate(fmt, { emoji: emojiName(emoji), count }, true);
}

function chip(reaction) {
  const button = h("button", { type: "button", class: "reaction-chip", dataset: { emoji: reaction.emoji } },
    h("span", { class: "reaction-emoji", text: reaction.emoji }),
    h("span", { class: "reaction-count" }));
  fillChip(button, reaction);
  return button;
}

function fillChip(button, reaction) {
  button.setAttribute("aria-pressed", reaction.me ? "true" : "false");
  button.setAttribute("aria-label", chipLabel(reaction));
  button.querySelector(".reaction-count").textContent = String(reaction.count);
}

function addButton() {
  return h("button", { type: "button", class: "reaction-chip reaction-add", title: gettext("Add reaction"), "aria-label": gettext("Add reaction"), "aria-haspopup": "dialog" }, icon(ICONS.react, 16), "+");
}

// The bar under every message that can have reactions (empty and hidden without any), so
// a change updates it in place: chips keep their nodes, and with them focus and hover.
addRowPart("below", (message) => {
  if (message.is_deleted || message.message_type === "transfer") return null;
  const bar = h("div", { class: "reaction-bar", role: "group", "aria-label": gettext("Reactions") });
  syncBar(bar, message);
  return bar;
});

function syncBar(bar, message) {
  const reactions = (message.reactions || []).filter((r) => r.count > 0);
  const chips = new Map([...bar.querySelectorAll(".reaction-chip[data-emoji]")].map((c) => [c.dataset.emoji, c]));
  let before = bar.firstElementChild;
  for (const reaction of reactions) {
    let node = chips.get(reaction.emoji);
    chips.delete(reaction.emoji);
    if (node) fillChip(node, reaction);
    else node = chip(reaction);
    if (node !== before) bar.insertBefore(node, before);
    before = node.nextElementSibling;
  }
  for (const gone of chips.values()) gone.remove();
  if (!bar.querySelector(".reaction-add")) bar.append(addButton());
  bar.hidden = reactions.length === 0;
}

function messageOf(conversationId, messageId) {
  return state.histories.get(conversationId)?.byId.get(messageId) || null;
}

/**
 * Apply one reaction change (an event, or our own request's answer): `count` is exact
 * after it; `added` says which way it went for `user_id`.
 */
export function applyReaction({ conversation_id: cid, message_id: mid, emoji, user_id: uid, count, change_seq: changeSeq }, added) {
  const message = messageOf(cid, mid);
  if (!message) return;
  if (changeSeq !== undefined) {
    if ((message.change_seq || 0) >= changeSeq) return; // already in our copy
    message.change_seq = changeSeq;
  }
  const reactions = [...(message.reactions || [])];
  const index = reactions.findIndex((r) => r.emoji === emoji);
  const had = index >= 0 ? reactions[index] : { emoji, count: 0, me: false };
  const next = { ...had, count, me: uid === me.id ? added : had.me };
  if (count <= 0) {
    if (index >= 0) reactions.splice(index, 1);
  } else if (index >= 0) reactions[index] = next;
  else reactions.push(next);
  message.reactions = reactions;
  if (cid === state.openId) refreshBar(mid);
}

function refreshBar(messageId) {
  const bar = rowOf(messageId)?.querySelector(".reaction-bar");
  const message = messageOf(state.openId, messageId);
  if (bar && message) syncBar(bar, message);
}

async function react(message, emoji) {
  try {
    const change = await api.put(`/api/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`);
    applyReaction(change, true);
  } catch (error) {
    toast(interpolate(gettext("Could not react: %(error)s"), { error: error.message }, true), "error");
  }
}

async function unreact(message, emoji) {
  const had = (message.reactions || []).find((r) => r.emoji === emoji);
  // Shown at once; the event that follows carries the exact count.
  if (had?.me) applyReaction({ conversation_id: message.conversation_id, message_id: message.id, emoji, user_id: me.id, count: had.count - 1 }, false);
  try {
    await api.del(`/api/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`);
  } catch (error) {
    toast(interpolate(gettext("Could not remove the reaction: %(error)s"), { error: error.message }, true), "error");
  }
}

function pickFor(message, anchor) {
  openPicker(anchor, (emoji) => react(message, emoji));
}

registerMessageAction({
  id: "react",
  label: gettext("Add reaction"),
  order: 10,
  quick: true,
  icon: ICONS.react,
  when: (message) => message.message_type !== "transfer",
  run: (message, { anchor }) => pickFor(message, anchor),
});

els.messageList.addEventListener("click", (event) => {
  const button = event.target.closest(".reaction-chip");
  const message = messageOf(state.openId, Number(button?.closest(".msg[data-id]")?.dataset.id));
  if (!message) return;
  if (button.dataset.longPress) {
    delete button.dataset.longPress; // the press showed who reacted; it is not a toggle
    return;
  }
  if (button.classList.contains("reaction-add")) return pickFor(message, button);
  const mine = (message.reactions || []).find((r) => r.emoji === button.dataset.emoji)?.me;
  if (mine) unreact(message, button.dataset.emoji);
  else react(message, button.dataset.emoji);
});

// --- Who reacted ------------------------------------------------------------------------------

const who = new Map(); // "message:emoji:count" -> the sentence

async function showWho(button) {
  const message = messageOf(state.openId, Number(button.closest(".msg[data-id]")?.dataset.id));
  const reaction = message?.reactions?.find((r) => r.emoji === button.dataset.emoji);
  if (!reaction) return;
  const key = `${message.id}:${reaction.emoji}:${reaction.count}`;
  if (!who.has(key)) {
    showTooltip(button, `${emojiName(reaction.emoji)}…`);
    try {
      const list = await api.get(`/api/messages/${message.id}/reactions`, { emoji: reaction.emoji, limit: 20 });
      const names = list.map((r) => (r.user.id === me.id ? gettext("You") : displayName(r.user)));
      const more = reaction.count - names.length;
      const people = more > 0 ? interpolate(gettext("%(names)s and %(count)s more"), { names: names.join(", "), count: more }, true) : names.join(", ");
      who.set(key, people
        ? interpolate(gettext("%(names)s reacted with %(emoji)s"), { names: people, emoji: emojiName(reaction.emoji) }, true)
        : interpolate(gettext("Nobody reacted with %(emoji)s"), { emoji: emojiName(reaction.emoji) }, true));
    } catch {
      return hideTooltip(button);
    }
  }
  if (button.isConnected && (button.matches(":hover, :focus-visible") || button.dataset.longPress)) showTooltip(button, who.get(key));
}

let hoverTimer = null;
let pressTimer = null;

els.messageList.addEventListener("pointerover", (event) => {
  const button = event.target.closest(".reaction-chip[data-emoji]");
  if (!button || event.pointerType !== "mouse" || button.contains(event.relatedTarget)) return;
  clearTimeout(hoverTimer);
  hoverTimer = setTimeout(() => showWho(button), HOVER_DELAY_MS);
});
els.messageList.addEventListener("pointerout", (event) => {
  const button = event.target.closest(".reaction-chip[data-emoji]");
  if (!button || button.contains(event.relatedTarget)) return;
  clearTimeout(hoverTimer);
  clearTimeout(pressTimer);
  if (button.dataset.longPress) setTimeout(() => hideTooltip(button), 1500); // the finger lifted
  else if (!button.matches(":focus-visible")) hideTooltip(button);
});
els.messageList.addEventListener("focusin", (event) => {
  const button = event.target.closest(".reaction-chip[data-emoji]");
  if (button?.matches(":focus-visible")) showWho(button);
});
els.messageList.addEventListener("focusout", (event) => {
  const button = event.target.closest(".reaction-chip[data-emoji]");
  if (button && tooltipShownFor(button)) hideTooltip(button);
});
// A long press (touch, pen) shows who reacted instead of toggling.
els.messageList.addEventListener("pointerdown", (event) => {
  const button = event.target.closest(".reaction-chip[data-emoji]");
  if (!button || event.pointerType === "mouse") return;
  clearTimeout(pressTimer);
  pressTimer = setTimeout(() => {
    button.dataset.longPress = "1";
    showWho(button);
  }, LONG_PRESS_MS);
});
for (const type of ["pointerup", "pointercancel"]) {
  els.messageList.addEventListener(type, () => clearTimeout(pressTimer));
}
els.messageList.addEventListener("contextmenu", (event) => {
  if (event.target.closest(".reaction-chip")) event.preventDefault(); // the long press is ours
});
