// The message menu: what can be done to a message, as registered by the modules that do it
// (reactions.js: React; replies.js: Reply; pins.js: Pin/Unpin; editing.js: Edit, Delete;
// sender_actions.js: View profile, Report, Block), so neither the list's renderer nor this
// module knows any action. Each row gets a small bar (shown on hover and keyboard focus,
// on a tap on touch screens) with the `quick` actions as icon buttons and gettext("More actions"),
// which opens the whole list as a menu (role=menu). gettext("More actions") opens it with Enter,
// Space, a click, ArrowDown or ArrowUp; the first item is focused, the arrows and
// Home/End move, Escape closes it and gives the focus back to the button, Tab closes it.
//
//   registerMessageAction({
//     id: "pin",                         // unique; the item's data-menu-action
//     label: (message) => "Pin",         // a string, or a function of the message
//     order: 30,                          // place in the menu (low first)
//     quick: false, icon: ICONS.pin,      // also an icon button in the bar
//     when: (message, conversation) => …, // offered for this message? (never for deleted ones)
//     run: (message, {row, anchor}) => …, // do it (`anchor`: the button or item used)
//   })

import { h } from "../../lib/dom.js";
import { dismissable, placeNear } from "../../lib/floating.js";
import { ICONS, icon, rowOf } from "./message_parts.js";
import { els } from "./page.js";
import { historyFor, state } from "./state.js";

const actions = [];

export function registerMessageAction(action) {
  actions.push({ order: 50, quick: false, ...action });
  actions.sort((a, b) => a.order - b.order);
}

function labelOf(action, message) {
  return typeof action.label === "function" ? action.label(message) : action.label;
}

function available(message, conversation) {
  if (!message || message.is_deleted) return [];
  return actions.filter((action) => action.when(message, conversation));
}

/** The row's action bar (null when nothing can be done to the message). */
export function actionBar(message, conversation) {
  const offered = available(message, conversation);
  if (!offered.length) return null;
  const quick = offered.filter((action) => action.quick);
  return h(
    "div",
    { class: "msg-actions" },
    quick.map((action) =>
      h(
        "button",
        { type: "button", class: "icon-button msg-tool", title: labelOf(action, message), "aria-label": labelOf(action, message), dataset: { menuAction: action.id } },
        icon(action.icon),
      ),
    ),
    h(
      "button",
      { type: "button", class: "icon-button msg-tool msg-more", title: gettext("More actions"), "aria-label": gettext("More actions"), "aria-haspopup": "menu", "aria-expanded": "false" },
      icon(ICONS.more),
    ),
  );
}

function messageOfRow(row) {
  const id = Number(row?.dataset.id);
  return id ? historyFor(state.openId).byId.get(id) : null;
}

function run(actionId, messageId, anchor) {
  const message = historyFor(state.openId).byId.get(messageId);
  const action = actions.find((a) => a.id === actionId);
  if (!message || !action) return;
  action.run(message, { row: rowOf(messageId), anchor });
}

// Touch screens have no hover: tapping a bubble (not a link or button in it) shows its bar.
const touch = window.matchMedia("(hover: none)");

els.messageList.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-menu-action], button.msg-more");
  const row = button?.closest(".msg[data-id]");
  if (!button && touch.matches && !event.target.closest("a, button, textarea")) {
    const tapped = event.target.closest(".msg[data-id]");
    for (const other of els.messageList.querySelectorAll(".msg.actions-open")) if (other !== tapped) other.classList.remove("actions-open");
    tapped?.classList.toggle("actions-open");
  }
  if (!row) return;
  if (button.classList.contains("msg-more")) openMenu(row, button);
  else run(button.dataset.menuAction, Number(row.dataset.id), button);
});

// A menu button's own keys: ArrowDown and ArrowUp open the menu too, as menu buttons do.
els.messageList.addEventListener("keydown", (event) => {
  const button = event.target.closest?.("button.msg-more");
  if (!button || open || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
  event.preventDefault();
  openMenu(button.closest(".msg[data-id]"), button);
});

// --- The menu ----------------------------------------------------------------------------

let open = null; // {menu, trigger, stop}

export function closeMenu({ focus = false } = {}) {
  if (!open) return;
  const { menu, trigger, stop, messageId } = open;
  open = null;
  stop();
  menu.remove();
  trigger.setAttribute("aria-expanded", "false");
  if (focus) (trigger.isConnected ? trigger : rowOf(messageId)?.querySelector(".msg-more"))?.focus();
}

function openMenu(row, trigger) {
  const wasOpenHere = open?.trigger === trigger;
  closeMenu();
  if (wasOpenHere) return;
  const message = messageOfRow(row);
  const offered = available(message, state.conversations.get(state.openId));
  if (!offered.length) return;
  const messageId = message.id;
  const menu = h(
    "div",
    { class: "msg-menu", role: "menu", "aria-label": gettext("Message actions") },
    offered.map((action) =>
      h("button", { type: "button", role: "menuitem", tabindex: "-1", text: labelOf(action, message), dataset: { menuAction: action.id } }),
    ),
  );
  document.body.append(menu);
  placeNear(menu, trigger, { align: "end" });
  trigger.setAttribute("aria-expanded", "true");
  const stop = dismissable(menu, trigger, () => closeMenu());
  open = { menu, trigger, stop, messageId };
  menu.addEventListener("click", (event) => {
    const item = event.target.closest("[data-menu-action]");
    if (!item) return;
    closeMenu();
    run(item.dataset.menuAction, messageId, trigger.isConnected ? trigger : rowOf(messageId)?.querySelector(".msg-more"));
  });
  menu.addEventListener("keydown", (event) => onMenuKey(event, menu));
  menu.firstElementChild.focus();
}

function onMenuKey(event, menu) {
  const items = [...menu.querySelectorAll("[role=menuitem]")];
  const index = items.indexOf(document.activeElement);
  const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: items.length - 1 };
  if (event.key in moves) {
    event.preventDefault();
    items[(moves[event.key] + items.length) % items.length].focus();
  } else if (event.key === "Tab") {
    event.preventDefault();
    closeMenu({ focus: true });
  }
}
