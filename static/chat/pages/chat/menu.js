// A message's menu (the "⋯" button of every row) and the people in the message list.
//
// The menu is a real ARIA menu: it opens with Enter, Space or a click on its button, the
// arrow keys (and Home, End) move between its items, Esc closes it and gives the focus
// back to the button, Tab or a click elsewhere closes it. Its items depend on the message:
// Edit and Delete (editing.js acts on them: the items carry `data-action` like any button
// in the list), View profile, Report the message, Block the sender. A click on a sender's
// name or picture opens their profile card.

import { personName } from "../../lib/avatar.js";
import { blockPerson } from "../../lib/block.js";
import { h } from "../../lib/dom.js";
import { openProfileCard } from "../../lib/profile_card.js";
import { openReport } from "../../lib/report.js";
import { openConversation } from "./conversation.js";
import { memberOf, myRole } from "./names.js";
import { els, me, presence } from "./page.js";
import { historyFor, state } from "./state.js";

let open = null; // {menu, button}

/** The person who sent a message, as far as we know them. */
function senderOf(message) {
  const conversation = state.conversations.get(message.conversation_id);
  return memberOf(conversation, message.sender_id) || { id: message.sender_id, username: message.sender_username };
}

export function showProfile(userId, opener) {
  return openProfileCard(userId, {
    opener,
    presence,
    onMessage: (conversation) => openConversation(conversation.id, { push: true }),
  });
}

function items(message) {
  const conversation = state.conversations.get(message.conversation_id);
  const mine = message.sender_id === me.id;
  const editable = mine && !message.is_deleted && (message.message_type || "text") === "text";
  const deletable = !message.is_deleted && (mine || (conversation?.type === "group" && myRole(conversation) === "admin"));
  const name = personName(senderOf(message));
  return [
    editable ? ["edit", "Edit"] : null,
    deletable ? ["delete", "Delete"] : null,
    mine ? null : ["profile", `View ${name}'s profile`],
    mine || message.is_deleted ? null : ["report", "Report message"],
    mine ? null : ["block", `Block ${name}`],
  ].filter(Boolean);
}

function closeMenu({ restoreFocus = false } = {}) {
  if (!open) return;
  const { menu, button } = open;
  open = null;
  menu.remove();
  button.setAttribute("aria-expanded", "false");
  if (restoreFocus && button.isConnected) button.focus();
}

function openMenu(button, message) {
  closeMenu();
  const menu = h(
    "div",
    { class: "msg-menu", role: "menu", "aria-label": "Message actions", id: "msg-menu" },
    items(message).map(([action, text]) => h("button", { type: "button", role: "menuitem", tabindex: "-1", text, dataset: { action } })),
  );
  button.setAttribute("aria-controls", "msg-menu");
  button.setAttribute("aria-expanded", "true");
  button.closest(".msg").append(menu);
  // Fixed, so the list's scrolling box does not clip it; above the button if it would not
  // fit below.
  const box = button.getBoundingClientRect();
  const height = menu.offsetHeight;
  const top = box.bottom + height + 8 > window.innerHeight ? box.top - height - 4 : box.bottom + 4;
  menu.style.top = `${Math.max(4, top)}px`;
  menu.style.left = `${Math.max(4, Math.min(window.innerWidth - menu.offsetWidth - 4, box.right - menu.offsetWidth))}px`;
  open = { menu, button };
  menu.querySelector("[role=menuitem]")?.focus();
}

function menuKeys(event) {
  if (!open) return;
  const entries = [...open.menu.querySelectorAll("[role=menuitem]")];
  const index = entries.indexOf(document.activeElement);
  const move = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: entries.length - 1 }[event.key];
  if (move !== undefined) {
    event.preventDefault();
    entries[(move + entries.length) % entries.length].focus();
  } else if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    closeMenu({ restoreFocus: true });
  } else if (event.key === "Tab") {
    closeMenu();
  }
}

els.messageList.addEventListener("keydown", menuKeys);
els.messages.addEventListener("scroll", () => closeMenu());
window.addEventListener("resize", () => closeMenu());
document.addEventListener("click", (event) => {
  if (open && !open.menu.contains(event.target) && event.target !== open.button) closeMenu();
});

els.messageList.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action]");
  const row = target?.closest(".msg[data-id]");
  if (!row) return;
  const message = historyFor(state.openId).byId.get(Number(row.dataset.id));
  if (!message) return;
  const action = target.dataset.action;
  const fromMenu = Boolean(open?.menu.contains(target));
  if (fromMenu) {
    // Other modules act on the same click (Edit, Delete) while the item is still in place;
    // the menu goes afterwards, giving the focus back only if nothing else took it.
    setTimeout(() => closeMenu({ restoreFocus: open?.menu.contains(document.activeElement) }));
  }
  const opener = fromMenu ? open.button : target;
  if (action === "menu") {
    if (open?.button === target) closeMenu();
    else openMenu(target, message);
  } else if (action === "profile") {
    showProfile(message.sender_id, target.matches("button") ? opener : row.querySelector(".msg-menu-button"));
  } else if (action === "report") {
    const excerpt = (message.content || "").slice(0, 120);
    openReport({ kind: "message", id: message.id, about: `${personName(senderOf(message))}: “${excerpt}”`, opener });
  } else if (action === "block") {
    blockPerson(senderOf(message));
  }
});

// The menu button's own keys: ArrowDown/Up open the menu too, as menu buttons do.
els.messageList.addEventListener("keydown", (event) => {
  const button = event.target.closest?.(".msg-menu-button");
  if (!button || open || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
  const message = historyFor(state.openId).byId.get(Number(button.closest(".msg").dataset.id));
  if (!message) return;
  event.preventDefault();
  openMenu(button, message);
});
