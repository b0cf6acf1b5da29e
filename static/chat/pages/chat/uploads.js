// Files attached in the composer, before the message is sent: picked with the paperclip,
// pasted (a screenshot) or dropped onto the conversation. Each is uploaded at once
// (POST /api/uploads) and shown as a chip above the text with its progress, a cancel
// (abort, and DELETE once the server has it) and, when refused, the reason next to it.
// Like the draft, the attached files belong to one conversation (state.uploads): another
// conversation's composer never shows or sends them.

import { api, ApiError } from "../../lib/api.js";
import { fileIcon } from "../../lib/attachments.js";
import { h, randomId } from "../../lib/dom.js";
import { humanSize, isPreviewableFile, previewDataUrl } from "../../lib/files.js";
import { isAbort, sendFile } from "../../lib/upload.js";
import { app, els } from "./page.js";
import { onConversationForgotten, state } from "./state.js";

/** The most attachments one message may carry (docs/api.md). */
export const MAX_ATTACHMENTS = 10;
const PREVIEW_SIZE = 96;

const chips = new Map(); // upload key -> its chip <li>, for the conversation on screen

function uploadsOf(conversationId) {
  if (!state.uploads.has(conversationId)) state.uploads.set(conversationId, []);
  return state.uploads.get(conversationId);
}

/** What the composer may send now: the finished uploads, and whether any is still going. */
export function readyUploads(conversationId) {
  const items = state.uploads.get(conversationId) || [];
  return {
    attachments: items.filter((u) => u.status === "done").map((u) => u.result),
    busy: items.some((u) => u.status === "uploading"),
  };
}

/** The finished uploads went out with a message: they leave the tray (the server keeps them). */
export function clearSentUploads(conversationId) {
  const items = state.uploads.get(conversationId);
  if (!items) return;
  state.uploads.set(conversationId, items.filter((u) => u.status !== "done"));
  if (conversationId === state.composerFor) renderTray();
}

/** A line under the tray: why files were not added, why the send waits. Empty hides it. */
export function trayNotice(text) {
  els.uploadNotice.textContent = text;
}

/** Attach `files` to the conversation the composer is bound to. */
export function addFiles(files) {
  const conversationId = state.composerFor;
  if (conversationId === null || !files.length) return;
  const items = uploadsOf(conversationId);
  const room = MAX_ATTACHMENTS - items.filter((u) => u.status !== "failed").length;
  const taken = [...files].slice(0, Math.max(0, room));
  const refused = files.length - taken.length;
  trayNotice(refused ? interpolate(gettext("Up to %(max)s files per message: %(count)s not added."), { max: MAX_ATTACHMENTS, count: refused }, true) : "");
  for (const file of taken) start(conversationId, file);
  renderTray();
  const refusedAtOnce = items.find((u) => u.status === "failed" && taken.includes(u.file));
  if (refusedAtOnce) showChip(refusedAtOnce);
}

function start(conversationId, file) {
  const item = {
    key: randomId(),
    conversationId,
    file,
    name: file.name || "pasted-image.png",
    size: file.size,
    preview: null,
    progress: 0,
    status: "uploading",
    error: null,
    result: null,
    controller: new AbortController(),
  };
  uploadsOf(conversationId).push(item);
  if (isPreviewableFile(file)) {
    previewDataUrl(file, PREVIEW_SIZE).then((url) => {
      item.preview = url;
      refresh(item);
    });
  }
  upload(item);
}

async function upload(item) {
  const limit = app.config.upload_max_bytes;
  if (limit && item.size > limit) {
    // Refused here, at once: the server would refuse it too, after the whole wait.
    item.status = "failed";
    item.error = tooLarge();
    refresh(item);
    showChip(item);
    return;
  }
  item.status = "uploading";
  item.error = null;
  item.progress = 0;
  item.controller = new AbortController();
  refresh(item);
  try {
    const named = item.file.name ? item.file : new File([item.file], item.name, { type: item.file.type });
    item.result = await sendFile("/api/uploads", named, {
      signal: item.controller.signal,
      onProgress: (fraction) => {
        item.progress = fraction;
        updateProgress(item);
      },
    });
    item.status = "done";
  } catch (error) {
    if (isAbort(error)) {
      // Cancelled (already gone from the tray); too late to stop the server keeping it.
      if (error.result?.id) api.del(`/api/uploads/${error.result.id}`).catch(() => {});
      return;
    }
    item.status = "failed";
    item.error = uploadErrorText(error);
  }
  refresh(item);
  if (item.status === "failed") showChip(item);
}

/** Bring a chip into view (the tray scrolls sideways at phone width). */
function showChip(item) {
  chips.get(item.key)?.scrollIntoView({ block: "nearest", inline: "nearest" });
}

function tooLarge() {
  const limit = app.config.upload_max_bytes;
  return limit ? interpolate(gettext("Too large: at most %(size)s per file."), { size: humanSize(limit) }, true) : gettext("This file is too large.");
}

/** The server's reason in one sentence: "file too large", "quota exceeded", the file's 400. */
function uploadErrorText(error) {
  if (!(error instanceof ApiError)) return gettext("Upload failed.");
  const code = error.data?.code;
  if (code === "file_too_large" || (error.status === 413 && !code)) return tooLarge();
  if (code === "quota_exceeded") {
    const quota = app.config.upload_quota_bytes;
    return quota
    ? interpolate(gettext("Not enough storage left for your files (%(size)s in all)."), { size: humanSize(quota) }, true)
    : gettext("Not enough storage left for your files.");
  }
  const fileErrors = error.data?.file;
  if (Array.isArray(fileErrors) && fileErrors.length) return fileErrors.join(" ");
  return error.message;
}

/** Cancel an upload in flight, or take a finished or failed one off the message. */
function remove(item) {
  const items = state.uploads.get(item.conversationId) || [];
  state.uploads.set(item.conversationId, items.filter((u) => u !== item));
  item.controller.abort();
  if (item.status === "done" && item.result?.id) {
    api.del(`/api/uploads/${item.result.id}`).catch(() => {}); // unattached: free it now
  }
  item.status = "cancelled";
  trayNotice("");
  if (item.conversationId === state.composerFor) {
    renderTray();
    els.input.focus();
  }
}

// A conversation the user is no longer in: its uploads are cancelled and forgotten.
onConversationForgotten((id) => {
  for (const item of state.uploads.get(id) || []) item.controller.abort();
  state.uploads.delete(id);
  if (id === state.composerFor) renderTray();
});

// --- The tray of chips ----------------------------------------------------------------

/** Show the chips of the conversation the composer is bound to. */
export function renderTray() {
  const items = state.uploads.get(state.composerFor) || [];
  chips.clear();
  els.uploadTray.replaceChildren(...items.map(chipFor));
  els.uploadTray.hidden = items.length === 0;
  if (!items.length) trayNotice("");
}

function chipFor(item) {
  const chip = h("li", { class: "upload-chip", dataset: { key: item.key } });
  chips.set(item.key, chip);
  fillChip(chip, item);
  return chip;
}

function refresh(item) {
  const chip = chips.get(item.key);
  if (chip && item.conversationId === state.composerFor) fillChip(chip, item);
}

function statusText(item) {
  if (item.status === "uploading") return interpolate(gettext("Uploading %(percent)s"), { percent: `${Math.round(item.progress * 100)}%` }, true);
  if (item.status === "done") return humanSize(item.size);
  return interpolate(gettext("%(size)s · not uploaded"), { size: humanSize(item.size) }, true);
}

function fillChip(chip, item) {
  chip.className = `upload-chip is-${item.status}`;
  const thumb = item.preview
    ? h("img", { src: item.preview, alt: "", class: "upload-preview" })
    : fileIcon(item.file.type, item.name);
  const cancelLabel = item.status === "uploading" ? interpolate(gettext("Cancel upload of %(name)s"), { name: item.name }, true) : interpolate(gettext("Remove %(name)s"), { name: item.name }, true);
  const parts = [
    h("span", { class: "upload-thumb" }, thumb),
    h(
      "span",
      { class: "upload-text" },
      h("span", { class: "upload-name", title: item.name, text: item.name }),
      h("span", { class: "upload-status", text: statusText(item) }),
      item.status === "uploading"
        ? h("progress", { class: "upload-progress", max: "1", value: String(item.progress), "aria-label": interpolate(gettext("Uploading %(name)s"), { name: item.name }, true) })
        : null,
      item.error ? h("span", { class: "upload-error", role: "alert", text: item.error }) : null,
      item.status === "failed"
        ? h("button", { type: "button", class: "link-button upload-retry", text: gettext("Try again"), "aria-label": interpolate(gettext("Try %(name)s again"), { name: item.name }, true), onclick: () => upload(item) })
        : null,
    ),
    h("button", { type: "button", class: "icon-button upload-remove", "aria-label": cancelLabel, title: cancelLabel, text: "✕", onclick: () => remove(item) }),
  ];
  chip.replaceChildren(...parts);
}

function updateProgress(item) {
  const chip = chips.get(item.key);
  if (!chip) return;
  const bar = chip.querySelector(".upload-progress");
  if (bar) bar.value = item.progress;
  const status = chip.querySelector(".upload-status");
  if (status) status.textContent = statusText(item);
}

// --- Ways in: the paperclip, paste, drag and drop ----------------------------------------

els.attachButton.addEventListener("click", () => els.attachInput.click());
els.attachInput.addEventListener("change", () => {
  addFiles([...els.attachInput.files]);
  els.attachInput.value = ""; // the same file may be picked again
});

/** Files on the clipboard (a screenshot, a copied file); rich text copied from an office
 * program also carries a picture of itself, and then the text is what was meant. */
function pastedFiles(data) {
  if (!data) return [];
  const files = [...data.files];
  if (!files.length || data.types.includes("text/rtf")) return [];
  return files;
}

document.addEventListener("paste", (event) => {
  if (state.composerFor === null || els.composer.hidden || state.openId !== state.composerFor) return;
  const target = event.target;
  const elsewhere = target instanceof Element && target.closest("input, textarea, dialog") && target !== els.input;
  if (elsewhere) return;
  const files = pastedFiles(event.clipboardData);
  if (!files.length) return;
  const text = event.clipboardData.getData("text/plain");
  if (!text || target !== els.input) event.preventDefault();
  addFiles(files);
});

let dragDepth = 0;
const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");

function showDropZone(visible) {
  els.dropZone.hidden = !visible;
  els.conversation.classList.toggle("is-dragging", visible);
}

els.conversation.addEventListener("dragenter", (event) => {
  if (!carriesFiles(event) || els.composer.hidden) return;
  event.preventDefault();
  dragDepth += 1;
  showDropZone(true);
});
els.conversation.addEventListener("dragover", (event) => {
  if (!carriesFiles(event) || els.composer.hidden) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
});
els.conversation.addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) showDropZone(false);
});
els.conversation.addEventListener("drop", (event) => {
  dragDepth = 0;
  showDropZone(false);
  if (!carriesFiles(event) || els.composer.hidden) return;
  event.preventDefault();
  addFiles([...event.dataTransfer.files]);
  els.input.focus();
});
// A file dropped outside the conversation must not make the browser navigate to it.
window.addEventListener("dragover", (event) => carriesFiles(event) && event.preventDefault());
window.addEventListener("drop", (event) => carriesFiles(event) && event.preventDefault());
