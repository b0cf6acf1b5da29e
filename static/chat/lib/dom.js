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

// Dates and times: one module, in the page's language (i18n.js); re-exported for the
// modules that import them from here.
export { clockTime, dayKey, dayLabel, fullTime, shortTime } from "./i18n.js";

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
