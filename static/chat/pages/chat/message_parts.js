// The parts other modules add to a message row, so the list's renderer (messages.js) needs
// none of them: a module registers a function `(message, conversation) => node | null` for
// a slot, and every row, whenever it is drawn, asks each slot's functions in turn.
//   meta  — inside the row's header line, after the time (the "Pinned" mark)
//   above — above the text (the quote of the message a reply answers)
//   below — under the text and attachments (the reaction bar)
// A part that changes often (reactions) is updated in its row in place by its module,
// found through `rowOf`; the others simply have the row drawn again.

import { els } from "./page.js";

const slots = { meta: [], above: [], below: [] };

export function addRowPart(slot, render) {
  slots[slot].push(render);
}

export function rowParts(slot, message, conversation) {
  return slots[slot].map((render) => render(message, conversation));
}

/** The open list's row of message `id` (null when it is not on screen). */
export function rowOf(id) {
  return els.messageList.querySelector(`.msg[data-id="${Number(id)}"]`);
}

/** An inline SVG icon (24×24 viewBox) from one path; decorative. */
export function icon(path, size = 18) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  const shape = document.createElementNS(ns, "path");
  shape.setAttribute("fill", "currentColor");
  shape.setAttribute("d", path);
  svg.append(shape);
  return svg;
}

/** The paths of the icons the message rows use. */
export const ICONS = {
  react:
    "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm-3.5-9A1.5 1.5 0 1 0 8.5 8a1.5 1.5 0 0 0 0 3zm7 0A1.5 1.5 0 1 0 15.5 8a1.5 1.5 0 0 0 0 3zM12 17.5c2.3 0 4.3-1.4 5.1-3.5H6.9c.8 2.1 2.8 3.5 5.1 3.5z",
  reply: "M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z",
  more: "M6 10a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm6 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm6 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4z",
  pin: "M16 9V4h1a1 1 0 0 0 0-2H7a1 1 0 0 0 0 2h1v5a3 3 0 0 1-3 3v2h6v7l1 1 1-1v-7h6v-2a3 3 0 0 1-3-3z",
  clip: "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z",
};
