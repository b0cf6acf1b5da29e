// A small menu opened from a button (role=menu): the status picker, the conversation's
// notification menu and a group member's admin menu (in Details) use it. Items are
// `{label, ariaLabel?, checked?, onSelect}` (checked: a menuitemradio) or
// `{separator: true}`. The arrows, Home and End move; Escape closes it and gives the focus
// back to the button; Tab or a click elsewhere closes it. Opened from inside a modal
// dialog, it lives in that dialog (outside it, it would be inert under the dialog).

import { h } from "./dom.js";
import { dismissable, placeNear } from "./floating.js";

let current = null; // {menu, trigger, stop}

export function closePopupMenu({ focus = false } = {}) {
  if (!current) return;
  const { menu, trigger, stop } = current;
  current = null;
  stop();
  menu.remove();
  trigger.setAttribute("aria-expanded", "false");
  if (focus) trigger.focus();
}

/** Open (or, when it is open from `trigger`, close) the menu of `items` under `trigger`. */
export function togglePopupMenu(trigger, items, { label, className = "" } = {}) {
  const wasOpenHere = current?.trigger === trigger;
  closePopupMenu();
  if (wasOpenHere) return;
  const menu = h(
    "div",
    { class: `popup-menu ${className}`.trim(), role: "menu", "aria-label": label },
    items.map((item) =>
      item.separator
        ? h("div", { class: "popup-menu-separator", role: "separator" })
        : h("button", {
            type: "button",
            role: item.checked === undefined ? "menuitem" : "menuitemradio",
            "aria-checked": item.checked === undefined ? null : String(Boolean(item.checked)),
            tabindex: "-1",
            class: item.className || null,
            text: item.label,
            "aria-label": item.ariaLabel || null,
            dataset: item.id ? { item: item.id } : {},
            onclick: () => {
              closePopupMenu({ focus: true });
              item.onSelect();
            },
          }),
    ),
  );
  (trigger.closest("dialog[open]") || document.body).append(menu);
  current = { menu, trigger, stop: () => {} };
  anchorTo(trigger);
  menu.addEventListener("keydown", (event) => {
    const buttons = [...menu.querySelectorAll("button")];
    const index = buttons.indexOf(document.activeElement);
    const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: buttons.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      buttons[(moves[event.key] + buttons.length) % buttons.length].focus();
    } else if (event.key === "Tab") {
      event.preventDefault();
      closePopupMenu({ focus: true });
    }
  });
  (menu.querySelector("[aria-checked=true]") || menu.querySelector("button"))?.focus();
}

function anchorTo(trigger) {
  current.stop();
  current.trigger = trigger;
  const { menu } = current;
  placeNear(menu, trigger, { align: "end" });
  trigger.setAttribute("aria-expanded", "true");
  // In a dialog (Details), scrolling it moves the menu along with its button rather than
  // closing it: a click scrolls its target into view first, and that scroll is only
  // announced after the menu it opened.
  const follow = menu.parentElement.closest("dialog") ? () => placeNear(menu, trigger, { align: "end" }) : null;
  current.stop = dismissable(menu, trigger, () => closePopupMenu(), { follow });
}

/** The button the open menu belongs to (null when no menu is open). */
export function popupMenuTrigger() {
  return current?.trigger ?? null;
}

/** The list under an open menu was drawn again: the menu stays open, now belonging to
 * `trigger`, the new copy of its button (none: it closes). */
export function movePopupMenu(trigger) {
  if (!current) return;
  if (trigger) anchorTo(trigger);
  else closePopupMenu();
}
