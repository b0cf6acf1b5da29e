// Message search (docs/api.md, `GET /api/messages/search`): a box above the conversation
// list, everywhere or in the open conversation only. Results take the list's place, best
// match first, each with its context — conversation, sender, time, the text with the
// searched words marked — and open their message in its conversation (jump.js). Esc or
// "Close search" gives the conversation list back.

import { api } from "../../lib/api.js";
import { clear, fullTime, h, shortTime } from "../../lib/dom.js";
import { attachmentSummary } from "../../lib/files.js";
import { jumpToMessage } from "./jump.js";
import { conversationPicture, conversationTitle, memberName } from "./names.js";
import { els } from "./page.js";
import { onConversationChange, state } from "./state.js";

const RESULTS = 30;
const SNIPPET = 160; // characters of a long message shown around its first match

const parts = {
  form: document.getElementById("search-form"),
  input: document.getElementById("search-input"),
  scope: document.getElementById("search-scope"),
  panel: document.getElementById("search-results"),
  status: document.getElementById("search-status"),
  list: document.getElementById("search-list"),
  close: document.getElementById("search-close"),
};

let timer = null;
let seq = 0; // the newest search; answers of older ones are dropped

/** The words to mark: web-search syntax minus its operators and excluded words. */
function terms(query) {
  return query
    .split(/\s+/)
    .filter((word) => word && !word.startsWith("-") && word.toLowerCase() !== "or")
    .map((word) => word.replace(/^"+|"+$/g, ""))
    .filter(Boolean);
}

/** `text` as text nodes with each occurrence of a term (any case) in a <mark>. */
export function highlighted(text, words) {
  const fragment = document.createDocumentFragment();
  if (!words.length) {
    fragment.append(text);
    return fragment;
  }
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(${escaped.join("|")})`, "giu");
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    fragment.append(text.slice(last, match.index), h("mark", { text: match[0] }));
    last = match.index + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

/** A long text cut around its first match, so the match is in what is shown. */
function snippet(text, words) {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= SNIPPET) return flat;
  const lower = flat.toLowerCase();
  const at = Math.min(...words.map((w) => lower.indexOf(w.toLowerCase())).filter((i) => i >= 0), flat.length);
  const start = at === flat.length ? 0 : Math.max(0, at - 40);
  const cut = flat.slice(start, start + SNIPPET);
  return `${start > 0 ? "…" : ""}${cut}${start + SNIPPET < flat.length ? "…" : ""}`;
}

function resultItem(message, words) {
  const conversation = state.conversations.get(message.conversation_id);
  const where = conversation ? conversationTitle(conversation) : gettext("A conversation");
  const who = memberName(conversation, message.sender_id, message.sender_username);
  const text = message.content || attachmentSummary(message.attachments) || "";
  return h(
    "li",
    {},
    h(
      "button",
      {
        type: "button",
        class: "search-hit",
        dataset: { conversationId: String(message.conversation_id), messageId: String(message.id) },
        onclick: () => jumpToMessage(message.conversation_id, message.id),
      },
      conversation ? conversationPicture(conversation, { size: "sm" }) : null,
      h(
        "span",
        { class: "search-hit-main" },
        h(
          "span",
          { class: "search-hit-where" },
          h("span", { class: "search-hit-conv", text: where }),
          h("time", { class: "search-hit-time", datetime: message.created_at, title: fullTime(message.created_at), text: shortTime(message.created_at) }),
        ),
        h("span", { class: "search-hit-text" }, h("span", { class: "search-hit-sender", text: `${who}: ` }), highlighted(snippet(text, words), words)),
      ),
    ),
  );
}

async function search() {
  clearTimeout(timer);
  const query = parts.input.value.trim();
  if (!query) return closeSearch({ keepFocus: true });
  const mine = ++seq;
  const here = parts.scope.value === "here" && state.openId !== null;
  openPanel();
  parts.status.textContent = gettext("Searching…");
  let results;
  try {
    results = await api.get("/api/messages/search", { q: query, conversation_id: here ? state.openId : undefined, limit: RESULTS });
  } catch (error) {
    if (mine === seq) parts.status.textContent = error.message;
    return;
  }
  if (mine !== seq) return;
  const words = terms(query);
  clear(parts.list).append(...results.map((message) => resultItem(message, words)));
  const where = here ? conversationTitle(state.conversations.get(state.openId)) : "";
  const count = `${results.length}${results.length === RESULTS ? "+" : ""}`;
  let text;
  if (!results.length) {
    text = where ? interpolate(gettext("No messages found in %(where)s."), { where }, true) : gettext("No messages found.");
  } else if (where) {
    text = interpolate(ngettext("%(count)s message found in %(where)s.", "%(count)s messages found in %(where)s.", results.length), { count, where }, true);
  } else {
    text = interpolate(ngettext("%(count)s message found.", "%(count)s messages found.", results.length), { count }, true);
  }
  parts.status.textContent = text;
}

function openPanel() {
  parts.panel.hidden = false;
  els.convList.hidden = true;
  els.convEmpty.hidden = true;
}

function closeSearch({ keepFocus = false } = {}) {
  seq += 1;
  clearTimeout(timer);
  parts.panel.hidden = true;
  els.convList.hidden = false;
  clear(parts.list);
  parts.status.textContent = "";
  els.layout.classList.remove("searching");
  if (!keepFocus) {
    parts.input.value = "";
    parts.input.blur();
  }
}

/** "This conversation" only when one is open. */
function updateScope() {
  const option = parts.scope.querySelector("option[value=here]");
  option.disabled = state.openId === null;
  if (option.disabled && parts.scope.value === "here") parts.scope.value = "all";
}

parts.form.addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});
parts.input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(search, 300);
});
parts.input.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && (parts.input.value || !parts.panel.hidden)) {
    event.preventDefault();
    closeSearch();
  } else if (event.key === "ArrowDown" && !parts.panel.hidden) {
    event.preventDefault();
    parts.list.querySelector(".search-hit")?.focus();
  }
});
parts.scope.addEventListener("change", () => parts.input.value.trim() && search());
parts.close.addEventListener("click", () => closeSearch());
// Up and down walk the results; Esc goes back to the box.
parts.list.addEventListener("keydown", (event) => {
  const hits = [...parts.list.querySelectorAll(".search-hit")];
  const index = hits.indexOf(document.activeElement);
  if (index < 0) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    hits[Math.max(0, Math.min(hits.length - 1, index + (event.key === "ArrowDown" ? 1 : -1)))].focus();
  } else if (event.key === "Escape") {
    event.preventDefault();
    parts.input.focus();
  }
});
onConversationChange(updateScope);

// The magnifier in a conversation's header: search in it (on a phone the sidebar, with
// the box, comes over the conversation until a result is chosen or the search closed).
els.searchHere.addEventListener("click", () => {
  updateScope();
  parts.scope.value = "here";
  els.layout.classList.add("searching");
  parts.input.focus();
  if (parts.input.value.trim()) search();
});
