// "@" in the composer: the members of the conversation whose username or name starts with
// what follows (then those that contain it), as a listbox above the composer. Arrows move,
// Enter or Tab inserts `@username `, Escape closes; a click inserts too. A mention is the
// `@username` of a member (docs/api.md, "Formatting"), so that is what goes in the text.
// Its keys are handled before the composer's (capture, then preventDefault: composer.js
// and replies.js leave a handled key alone), so Enter picks a name instead of sending.

import { personAvatar } from "../../lib/avatar.js";
import { h } from "../../lib/dom.js";
import { displayName } from "./names.js";
import { els, me } from "./page.js";
import { state } from "./state.js";

const MAX_SHOWN = 8;
// "@" at the start or after a character that cannot be in a name, then a partial name.
const TOKEN = /(^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{0,32})$/;

const list = h("ul", { class: "mention-list", id: "mention-list", role: "listbox", "aria-label": gettext("Members to mention"), hidden: true });
els.composer.prepend(list);
els.input.setAttribute("aria-autocomplete", "list");
els.input.setAttribute("aria-controls", "mention-list");
// No aria-expanded: a textarea is a textbox, which may not carry it (axe: aria-allowed-attr);
// the open list is told by aria-activedescendant naming its chosen option.

let shown = []; // the members listed
let active = 0;
let token = null; // {start, end} of "@partial" in the text

function candidates(query) {
  const conversation = state.conversations.get(state.composerFor);
  const q = query.toLowerCase();
  const scored = [];
  for (const member of conversation?.members || []) {
    if (member.id === me.id) continue;
    const username = member.username.toLowerCase();
    const name = (member.display_name || "").toLowerCase();
    let rank = -1;
    if (username.startsWith(q)) rank = 0;
    else if (name.split(/\s+/).some((word) => word.startsWith(q))) rank = 1;
    else if (q && (username.includes(q) || name.includes(q))) rank = 2;
    if (rank >= 0) scored.push({ member, rank });
  }
  scored.sort((a, b) => a.rank - b.rank || a.member.username.localeCompare(b.member.username));
  return scored.slice(0, MAX_SHOWN).map((s) => s.member);
}

function close() {
  list.hidden = true;
  shown = [];
  token = null;
  els.input.removeAttribute("aria-activedescendant");
}

function update() {
  const caret = els.input.selectionStart;
  if (caret !== els.input.selectionEnd) return close();
  const match = TOKEN.exec(els.input.value.slice(0, caret));
  if (!match) return close();
  shown = candidates(match[2]);
  if (!shown.length) return close();
  token = { start: caret - match[2].length - 1, end: caret };
  active = Math.min(active, shown.length - 1);
  render();
}

function render() {
  list.replaceChildren(
    ...shown.map((member, index) =>
      h(
        "li",
        { role: "option", id: `mention-option-${member.id}`, class: "mention-option", "aria-selected": index === active ? "true" : "false", dataset: { index: String(index) } },
        personAvatar(member, { size: "xs" }),
        h("span", { class: "mention-name", text: displayName(member) }),
        h("span", { class: "mention-username muted", text: `@${member.username}` }),
      ),
    ),
  );
  list.hidden = false;
  els.input.setAttribute("aria-activedescendant", `mention-option-${shown[active].id}`);
}

function insert(member) {
  if (!token) return;
  const { start, end } = token;
  const text = els.input.value;
  const after = text.slice(end);
  const inserted = `@${member.username}${after.startsWith(" ") ? "" : " "}`;
  els.input.value = text.slice(0, start) + inserted + after;
  const caret = start + inserted.length + (after.startsWith(" ") ? 1 : 0);
  els.input.setSelectionRange(caret, caret);
  close();
  els.input.dispatchEvent(new Event("input")); // the composer grows, typing is told
  els.input.focus();
}

els.input.addEventListener("input", () => {
  active = 0;
  update();
});
els.input.addEventListener("click", update);
els.input.addEventListener("blur", () => setTimeout(() => document.activeElement !== els.input && close(), 100));
els.input.addEventListener(
  "keydown",
  (event) => {
    if (list.hidden || event.isComposing) {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") setTimeout(update);
      return;
    }
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in moves) {
      active = (active + moves[event.key] + shown.length) % shown.length;
      render();
    } else if (event.key === "Enter" || event.key === "Tab") {
      insert(shown[active]);
    } else if (event.key === "Escape") {
      close();
    } else {
      return;
    }
    event.preventDefault();
  },
  true,
);
list.addEventListener("mousedown", (event) => {
  event.preventDefault(); // keep the composer focused
  const option = event.target.closest(".mention-option");
  if (option) insert(shown[Number(option.dataset.index)]);
});
