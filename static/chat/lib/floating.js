// Things that float over the page next to what opened them: menus, the emoji picker, the
// pinned panel, and the one tooltip ("who reacted", "seen by"). They live at the end of
// <body> (never clipped by a scrolling list) with `position: fixed`, and are placed by
// setting left/top through the CSSOM, which the Content-Security-Policy allows (inline
// style attributes it does not).

import { h } from "./dom.js";

const GAP = 6;

/**
 * Put `el` (already in the page) next to `anchor`: below it when there is room, else
 * above; aligned to its start or end (`align`; "auto": the end in the window's right
 * half), kept inside the window.
 */
export function placeNear(el, anchor, { prefer = "below", align = "auto" } = {}) {
  const box = anchor.getBoundingClientRect();
  if (align === "auto") align = box.left + box.width / 2 > window.innerWidth / 2 ? "end" : "start";
  const width = el.offsetWidth;
  const height = el.offsetHeight;
  const fitsBelow = box.bottom + GAP + height <= window.innerHeight;
  const fitsAbove = box.top - GAP - height >= 0;
  const below = prefer === "below" ? fitsBelow || !fitsAbove : !fitsAbove && fitsBelow;
  const top = below ? box.bottom + GAP : box.top - height - GAP;
  const left = align === "end" ? box.right - width : box.left;
  el.style.left = `${Math.max(GAP, Math.min(left, window.innerWidth - width - GAP))}px`;
  el.style.top = `${Math.max(GAP, Math.min(top, window.innerHeight - height - GAP))}px`;
}

/**
 * Close a floating element when the user clicks or taps outside it (and its anchor),
 * presses Escape (focus goes back to the anchor), or the page scrolls under it (with
 * `follow`, a scroll calls that instead: the element is moved along).
 * Returns the function that stops listening.
 */
export function dismissable(el, anchor, close, { follow = null } = {}) {
  const onPointer = (event) => {
    if (!el.contains(event.target) && !anchor?.contains(event.target)) close();
  };
  const onKey = (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    event.stopPropagation();
    close();
    anchor?.focus();
  };
  const onScroll = (event) => {
    if (el.contains(event.target)) return;
    if (follow) follow();
    else close();
  };
  document.addEventListener("pointerdown", onPointer, true);
  document.addEventListener("keydown", onKey, true);
  document.addEventListener("scroll", onScroll, true);
  return () => {
    document.removeEventListener("pointerdown", onPointer, true);
    document.removeEventListener("keydown", onKey, true);
    document.removeEventListener("scroll", onScroll, true);
  };
}

// --- The tooltip --------------------------------------------------------------------------

let tip = null;
let tipAnchor = null;

function tooltipElement() {
  if (!tip) {
    tip = h("div", { class: "tooltip", role: "tooltip", id: "tooltip", hidden: true });
    document.body.append(tip);
    // A press anywhere else ends a tooltip a tap or a long press opened.
    document.addEventListener("pointerdown", (event) => {
      if (tipAnchor && !tipAnchor.contains(event.target)) hideTooltip();
    }, true);
  }
  return tip;
}

/** Show `text` over `anchor` (which gets aria-describedby), replacing any other tooltip. */
export function showTooltip(anchor, text) {
  const el = tooltipElement();
  if (tipAnchor && tipAnchor !== anchor) tipAnchor.removeAttribute("aria-describedby");
  tipAnchor = anchor;
  el.textContent = text;
  el.hidden = false;
  anchor.setAttribute("aria-describedby", "tooltip");
  placeNear(el, anchor, { prefer: "above" });
}

/** Hide the tooltip (only if it belongs to `anchor`, when one is given). */
export function hideTooltip(anchor = null) {
  if (!tip || (anchor && anchor !== tipAnchor)) return;
  tip.hidden = true;
  tipAnchor?.removeAttribute("aria-describedby");
  tipAnchor = null;
}

/** Whether the tooltip shows for `anchor` now. */
export function tooltipShownFor(anchor) {
  return Boolean(tip && !tip.hidden && tipAnchor === anchor);
}
