// DOM helpers. Everything a user typed goes into the page as text nodes, never as
// HTML: `h()` turns strings into text nodes and sets attributes one by one, and
// `linkify()` builds <a> elements only for http(s) URLs.

/**
 * Create an element. `attrs` keys: `class`, `text`, `dataset`, `on<event>` handlers,
 * boolean attributes (true/false), everything else via setAttribute.
 * Children may be nodes, strings (as text) or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

/** Only absolute http(s) URLs become links; everything else stays text. */
export function safeHref(candidate) {
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Text with http(s) links made clickable, as a DocumentFragment of text nodes and <a>s. */
export function linkify(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let raw = match[0];
    const trailing = raw.match(TRAILING_PUNCTUATION);
    if (trailing) raw = raw.slice(0, -trailing[0].length);
    const href = safeHref(raw);
    if (!href) continue;
    fragment.append(document.createTextNode(text.slice(last, match.index)));
    fragment.append(
      h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text: raw }),
    );
    last = match.index + raw.length;
  }
  fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** Short time for lists: the clock time today, else the date. */
export function shortTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? timeFormat.format(date)
    : dateFormat.format(date);
}

export function fullTime(iso) {
  return iso ? fullFormat.format(new Date(iso)) : "";
}

/** The clock time alone (a message list says the day in its day separators). */
export function clockTime(iso) {
  return iso ? timeFormat.format(new Date(iso)) : "";
}

/** A local calendar day, as a key: two times are on the same day when their keys match. */
export function dayKey(iso) {
  const date = new Date(iso);
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

const relativeDays = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const longDateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long", day: "numeric" });

/**
 * A day separator's words, in the user's locale: "Today", "Yesterday" (from
 * Intl.RelativeTimeFormat, so every language has its own), else the date, with the
 * weekday this year and the year before that.
 */
export function dayLabel(iso) {
  const date = new Date(iso);
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const now = new Date();
  const days = Math.round((midnight(date) - midnight(now)) / 86400000);
  if (days === 0 || days === -1) {
    const word = relativeDays.format(days, "day");
    return word.charAt(0).toLocaleUpperCase() + word.slice(1);
  }
  return (date.getFullYear() === now.getFullYear() ? weekdayFormat : longDateFormat).format(date);
}

/** First letter for an avatar bubble. */
export function initial(name) {
  return (Array.from((name || "?").trim())[0] || "?").toUpperCase();
}

/** A short-lived message at the bottom of the screen (aria-live region). */
export function toast(text, kind = "info") {
  const region = document.getElementById("toasts");
  if (!region) return;
  const item = h("div", { class: `toast toast-${kind}`, text });
  region.append(item);
  setTimeout(() => item.remove(), 5000);
}

/** Wire a <dialog>: buttons with [data-close] close it, Escape works natively. */
export function setupDialog(dialog) {
  dialog.addEventListener("click", (event) => {
    if (event.target.closest("[data-close]")) dialog.close();
    if (event.target === dialog) dialog.close(); // click on the backdrop
  });
  return dialog;
}

/** A random id for client_id (crypto.randomUUID needs a secure context; this does not). */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
