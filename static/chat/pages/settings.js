// The settings page: the shell every page has, and the user's picture. A chosen image is
// previewed as the server will crop it (the middle square) before anything is sent; Save
// uploads it (PUT /api/users/me/avatar) with a progress bar, Remove goes back to the
// initial. Everyone who sees the user gets `user_updated` and redraws them.

import { api } from "../lib/api.js";
import { personAvatar } from "../lib/avatar.js";
import { $, toast } from "../lib/dom.js";
import { previewDataUrl } from "../lib/files.js";
import { isAbort, sendFile } from "../lib/upload.js";
import { showMe, startShell } from "../lib/shell.js";
import "./settings/push.js";
import { startEmailNotifications } from "./settings/email_notifications.js";
import { startAccountSection } from "./settings/account.js";
import "./settings/language.js";
import "./settings_notifications.js";

const app = startShell();
startEmailNotifications();
startAccountSection(app);
const me = app.me;
const PATH = "/api/users/me/avatar";

const els = {
  preview: $("#avatar-preview"),
  input: $("#avatar-input"),
  idle: $("#avatar-idle"),
  confirm: $("#avatar-confirm"),
  choose: $("#avatar-choose"),
  remove: $("#avatar-remove"),
  save: $("#avatar-save"),
  cancel: $("#avatar-cancel"),
  progress: $("#avatar-progress"),
  status: $("#avatar-status"),
  error: $("#avatar-error"),
};

let chosen = null; // the file being previewed, until saved or cancelled
let controller = null;

function hasPicture() {
  return Boolean(me.avatar_url || me.avatar_thumbnail_url);
}

/** The picture as it is now (or `previewUrl`, the chosen file's, before it is saved). */
function render(previewUrl = null) {
  const shown = previewUrl ? { ...me, avatar_url: previewUrl, avatar_thumbnail_url: previewUrl } : me;
  els.preview.replaceChildren(personAvatar(shown, { size: "xl" }));
  els.idle.hidden = Boolean(chosen);
  els.confirm.hidden = !chosen;
  els.remove.hidden = !hasPicture();
  els.choose.textContent = hasPicture() ? gettext("Change picture") : gettext("Upload a picture");
}

function say(status, error = "") {
  els.status.textContent = status;
  els.error.textContent = error;
}

/** The server's answer is the user (or at least their avatar fields): keep and show it. */
function saved(user, fallback) {
  const fields = user && typeof user === "object" ? user : fallback;
  for (const key of ["avatar_url", "avatar_thumbnail_url"]) me[key] = fields[key] ?? null;
  showMe(me);
}

els.choose.addEventListener("click", () => els.input.click());
els.input.addEventListener("change", async () => {
  const file = els.input.files[0];
  els.input.value = "";
  if (!file) return;
  const url = await previewDataUrl(file, 192, { square: true });
  if (!url) {
    say("", gettext("This file is not an image the browser can read. Pick a PNG, JPEG, GIF or WebP."));
    return;
  }
  chosen = file;
  say(gettext("Preview: save to use this picture."));
  render(url);
  els.save.focus();
});

els.cancel.addEventListener("click", () => {
  controller?.abort();
  chosen = null;
  say("");
  render();
  els.choose.focus();
});

els.save.addEventListener("click", async () => {
  if (!chosen) return;
  controller = new AbortController();
  els.save.disabled = true;
  els.progress.value = 0;
  els.progress.hidden = false;
  say(gettext("Uploading…"));
  try {
    const user = await sendFile(PATH, chosen, {
      method: "PUT",
      signal: controller.signal,
      onProgress: (fraction) => (els.progress.value = fraction),
    });
    saved(user, {});
    chosen = null;
    say(gettext("Picture saved."));
    toast(gettext("Picture saved."));
    render();
    els.choose.focus();
  } catch (error) {
    if (!isAbort(error)) say("", error.data?.file?.join(" ") || error.message);
  } finally {
    els.save.disabled = false;
    els.progress.hidden = true;
    controller = null;
  }
});

els.remove.addEventListener("click", async () => {
  try {
    saved(await api.del(PATH), { avatar_url: null, avatar_thumbnail_url: null });
    say(gettext("Picture removed."));
    render();
    els.choose.focus();
  } catch (error) {
    say("", error.message);
  }
});

// The picture changed in another tab: show it here too (the shell updated `me`).
app.socket.on("user_updated", ({ user }) => {
  if (user?.id === me.id && !chosen) render();
});

render();
