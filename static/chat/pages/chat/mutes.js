// A moderator's mute (docs/api.md, "Moderation — sanctions"): the muted user keeps reading
// but cannot send, in one conversation or everywhere, until a time. The composer says so
// and is disabled there; `muted`/`unmuted` events change it live, and a mute ending opens
// the composer again by itself. The server refuses the send anyway (403 / `error` `muted`).

import { fullTime } from "../../lib/i18n.js";
import { app, els, socket } from "./page.js";
import { state } from "./state.js";

const EVERYWHERE = "everywhere";
/** conversation id (or EVERYWHERE) → end time in ms */
const mutes = new Map();
let timer = null;

for (const mute of app.config.mutes ?? []) note(mute.conversation_id, mute.until);

function note(conversationId, until) {
  mutes.set(conversationId ?? EVERYWHERE, Date.parse(until));
}

/** The end (ms) of the mute that stops me sending in `conversationId`, else null. */
function mutedUntil(conversationId) {
  const now = Date.now();
  const ends = [mutes.get(conversationId), mutes.get(EVERYWHERE)].filter((end) => end && end > now);
  return ends.length ? Math.max(...ends) : null;
}

function notice() {
  let element = document.getElementById("composer-muted");
  if (!element) {
    element = document.createElement("p");
    element.id = "composer-muted";
    element.className = "composer-muted";
    element.setAttribute("role", "status");
    element.hidden = true;
    els.composer.prepend(element);
  }
  return element;
}

/** Show or clear the mute of the conversation in the composer (`state.composerFor`). */
export function renderMute() {
  clearTimeout(timer);
  const until = state.composerFor === null ? null : mutedUntil(state.composerFor);
  const element = notice();
  els.input.disabled = until !== null;
  if (until === null) {
    element.hidden = true;
    element.textContent = "";
    return;
  }
  const when = fullTime(until);
  element.textContent = interpolate(
    gettext("A moderator muted you here: you can read, but not send, until %(when)s."),
    { when },
    true,
  );
  element.hidden = false;
  // Open the composer again when it ends (setTimeout's limit is about 24 days).
  timer = setTimeout(renderMute, Math.min(until - Date.now() + 500, 2 ** 31 - 1));
}

socket.on("muted", ({ conversation_id: cid, until }) => {
  note(cid, until);
  renderMute();
});
socket.on("unmuted", ({ conversation_id: cid }) => {
  mutes.delete(cid ?? EVERYWHERE);
  renderMute();
});
