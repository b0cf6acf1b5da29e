// The emoji picker of reactions: a search box over the emoji table (lib/emoji_table.js,
// shipped with the page) and a grid of the emoji used most often — this browser's own
// (localStorage), topped up with common ones. Keyboard: type to search, Enter picks the
// first match, arrows move through the grid, Escape closes (focus goes back).

import { h } from "../../lib/dom.js";
import { DEFAULT_FREQUENT, emojiName, searchEmoji } from "../../lib/emoji_table.js";
import { dismissable, placeNear } from "../../lib/floating.js";

const STORE_KEY = "chat.reactions.recent";
const FREQUENT_SIZE = 16;
const COLUMNS = 8;

/** The emoji this browser picked, most used first (falls back to the common ones). */
export function frequentEmoji() {
  let counts = {};
  try {
    counts = JSON.parse(localStorage.getItem(STORE_KEY) || "{}") || {};
  } catch {
    counts = {};
  }
  const mine = Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([emoji]) => emoji);
  return [...new Set([...mine, ...DEFAULT_FREQUENT])].slice(0, FREQUENT_SIZE);
}

function remember(emoji) {
  try {
    const counts = JSON.parse(localStorage.getItem(STORE_KEY) || "{}") || {};
    counts[emoji] = (counts[emoji] || 0) + 1;
    localStorage.setItem(STORE_KEY, JSON.stringify(counts));
  } catch {
    /* storage full or disabled: the picker still works */
  }
}

let open = null; // {picker, anchor, stop}

export function closePicker({ focus = false } = {}) {
  if (!open) return;
  const { picker, anchor, stop } = open;
  open = null;
  stop();
  picker.remove();
  anchor.setAttribute("aria-expanded", "false");
  if (focus && anchor.isConnected) anchor.focus();
}

function emojiButton(emoji, name = emojiName(emoji)) {
  return h("button", { type: "button", class: "picker-emoji", title: name, "aria-label": name, text: emoji, dataset: { emoji } });
}

/** Open the picker next to `anchor`; `onPick(emoji)` when one is chosen (it then closes). */
export function openPicker(anchor, onPick) {
  const sameAnchor = open?.anchor === anchor;
  closePicker();
  if (sameAnchor) return;
  const search = h("input", { type: "search", class: "picker-search", placeholder: gettext("Search emoji"), "aria-label": gettext("Search emoji by name"), autocomplete: "off" });
  const heading = h("p", { class: "picker-heading", id: "picker-heading", text: gettext("Frequently used") });
  const grid = h("div", { class: "picker-grid", role: "group", "aria-labelledby": "picker-heading" });
  const empty = h("p", { class: "picker-empty muted", text: gettext("No emoji by that name."), hidden: true });
  const picker = h("div", { class: "emoji-picker", role: "dialog", "aria-label": gettext("Add a reaction") }, search, heading, grid, empty);

  const fill = () => {
    const query = search.value.trim();
    const found = query ? searchEmoji(query) : frequentEmoji().map((emoji) => ({ emoji, name: emojiName(emoji) }));
    heading.textContent = query ? gettext("Search results") : gettext("Frequently used");
    grid.replaceChildren(...found.map(({ emoji, name }) => emojiButton(emoji, name)));
    empty.hidden = found.length > 0;
  };
  const pick = (emoji) => {
    remember(emoji);
    closePicker({ focus: true });
    onPick(emoji);
  };

  search.addEventListener("input", fill);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const first = grid.querySelector(".picker-emoji");
      if (first) pick(first.dataset.emoji);
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      grid.querySelector(".picker-emoji")?.focus();
    }
  });
  grid.addEventListener("click", (event) => {
    const button = event.target.closest(".picker-emoji");
    if (button) pick(button.dataset.emoji);
  });
  grid.addEventListener("keydown", (event) => {
    const buttons = [...grid.querySelectorAll(".picker-emoji")];
    const index = buttons.indexOf(document.activeElement);
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS };
    if (!(event.key in moves) || index < 0) return;
    event.preventDefault();
    const next = index + moves[event.key];
    if (next < 0) search.focus();
    else buttons[Math.min(next, buttons.length - 1)].focus();
  });

  fill();
  document.body.append(picker);
  placeNear(picker, anchor, { prefer: "above" });
  anchor.setAttribute("aria-expanded", "true");
  open = { picker, anchor, stop: dismissable(picker, anchor, () => closePicker()) };
  search.focus();
}
