// A message's formatted text: the server renders the Markdown once and sanitises it with
// an allowlist (docs/api.md, "Formatting"), and `content_html` is the only HTML this page
// ever inserts. It is parsed into an inert <template> (no scripts run, no images load
// there) and walked again against the same allowlist before it reaches the page, so a
// server bug could at worst lose markup, never add any. Then: links open in a new tab,
// mentions of me are marked, and code blocks get a copy button.

import { h } from "./dom.js";

/** The server's allowlist (messaging/formatting.py): tag -> the attributes it may carry. */
const ALLOWED = {
  P: [], BR: [], STRONG: [], EM: [], S: [], CODE: ["data-language"], PRE: [], BLOCKQUOTE: [],
  UL: [], OL: ["start"], LI: [], A: ["href"], SPAN: ["class", "data-user-id"], HR: [],
};
const LINK_SCHEMES = new Set(["http:", "https:", "mailto:"]);

/** Keep `node`'s allowed children (recursively); anything else becomes its text. */
function clean(node) {
  for (const child of [...node.childNodes]) {
    if (child.nodeType === Node.TEXT_NODE) continue;
    const allowed = child.nodeType === Node.ELEMENT_NODE ? ALLOWED[child.tagName] : null;
    if (!allowed) {
      child.replaceWith(document.createTextNode(child.textContent || ""));
      continue;
    }
    for (const attribute of [...child.attributes]) {
      if (!allowed.includes(attribute.name)) child.removeAttribute(attribute.name);
    }
    if (child.tagName === "SPAN" && child.getAttribute("class") !== "mention") {
      child.removeAttribute("class");
      child.removeAttribute("data-user-id");
    }
    if (child.tagName === "A" && !safeLink(child.getAttribute("href"))) {
      child.replaceWith(document.createTextNode(child.textContent || ""));
      continue;
    }
    clean(child);
  }
}

function safeLink(href) {
  try {
    return LINK_SCHEMES.has(new URL(href).protocol);
  } catch {
    return false;
  }
}

/** The copy button of a code block: copies the code as text, says so for a moment. */
function copyButton(code) {
  const button = h("button", { type: "button", class: "code-copy", text: gettext("Copy"), "aria-label": gettext("Copy code") });
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(code.textContent || "");
      button.textContent = gettext("Copied");
    } catch {
      // No clipboard permission (or not a secure context): select it for Ctrl+C instead.
      getSelection()?.selectAllChildren(code);
      button.textContent = gettext("Selected");
    }
    setTimeout(() => (button.textContent = gettext("Copy")), 1500);
  });
  return button;
}

/**
 * `content_html` as nodes for a message body. `meId` marks the mentions of the reader
 * (`.mention-me`); code blocks are wrapped with a copy button and their language label.
 */
export function richText(html, { meId = null } = {}) {
  const template = document.createElement("template");
  template.innerHTML = html || "";
  const root = template.content;
  clean(root);
  for (const link of root.querySelectorAll("a[href]")) {
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer nofollow");
  }
  for (const mention of root.querySelectorAll("span.mention")) {
    if (meId !== null && mention.dataset.userId === String(meId)) mention.classList.add("mention-me");
  }
  for (const pre of root.querySelectorAll("pre")) {
    const code = pre.querySelector("code") || pre;
    const language = code.dataset?.language;
    const block = h(
      "div",
      { class: "code-block" },
      h("div", { class: "code-bar" }, h("span", { class: "code-language", text: language || "code" }), copyButton(code)),
    );
    pre.replaceWith(block);
    pre.tabIndex = 0; // it may scroll sideways: reachable by keyboard
    block.append(pre);
  }
  // Moved (not cloned) into the page's document, so the copy buttons keep their listeners.
  const fragment = document.createDocumentFragment();
  fragment.append(...root.childNodes);
  return fragment;
}

/** The first non-blank line of formatted text, as plain text (the pinned list's preview). */
export function firstLine(html) {
  const template = document.createElement("template");
  template.innerHTML = html || "";
  return (template.content.textContent || "").split("\n").map((line) => line.trim()).find(Boolean) || "";
}

/** Whether a message mentions the reader (its `mentions` ids). */
export function mentionsMe(message, meId) {
  return Array.isArray(message?.mentions) && message.mentions.includes(meId);
}
