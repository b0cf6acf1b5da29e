// Attachments in the open conversation's message list: a thumbnail (data-action="view")
// opens the full-size viewer over every image of the list, in order, so Left/Right walk
// through the conversation's pictures; a full-size URL that expired is fetched again with
// its message. A file card clicked when its message's copy is old enough for the signed
// URL to have expired fetches the message again first, and downloads the fresh URL.

import { openViewer } from "../../lib/viewer.js";
import { refreshMessage } from "./messages.js";
import { app, els } from "./page.js";
import { historyFor, state } from "./state.js";

/**
 * How long a message's signed URLs are trusted before a download fetches fresh ones: the
 * server's guaranteed life (ATTACHMENT_URL_MAX_AGE), less a minute for the clocks.
 */
const FRESH_FOR_MS = Math.max(60, (app.config.attachment_url_max_age || 300) - 60) * 1000;

function attachmentOf(row, attachmentId) {
  if (!row) return null;
  if (row.dataset.id) {
    const message = historyFor(state.openId).byId.get(Number(row.dataset.id));
    return message?.attachments?.find((a) => a.id === attachmentId) || null;
  }
  const pending = state.pending.get(row.dataset.clientId);
  return pending?.attachments?.find((a) => a.id === attachmentId) || null;
}

function imagesOnScreen() {
  const images = [];
  for (const button of els.messageList.querySelectorAll(".att-image")) {
    const id = Number(button.dataset.attachmentId);
    const row = button.closest(".msg");
    const attachment = attachmentOf(row, id);
    if (attachment) images.push({ ...attachment, button, messageId: Number(row.dataset.id) || null });
  }
  return images;
}

async function freshUrl(image) {
  const message = historyFor(state.openId).byId.get(image.messageId);
  const fresh = message ? await refreshMessage(message) : null;
  const attachment = fresh?.attachments?.find((a) => a.id === image.id);
  return attachment ? { url: attachment.url, thumbnail_url: attachment.thumbnail_url } : null;
}

els.messageList.addEventListener("click", async (event) => {
  const thumb = event.target.closest(".att-image[data-action='view']");
  if (thumb) {
    const images = imagesOnScreen();
    const index = images.findIndex((image) => image.button === thumb);
    if (index >= 0) openViewer(images, index, { opener: thumb, onBroken: freshUrl });
    return;
  }
  const card = event.target.closest("a.file-card");
  const row = card?.closest(".msg[data-id]");
  if (!row) return;
  const hist = historyFor(state.openId);
  const messageId = Number(row.dataset.id);
  const message = hist.byId.get(messageId);
  if (!message || Date.now() - (hist.receivedAt.get(messageId) || 0) < FRESH_FOR_MS) return; // the browser downloads it
  event.preventDefault();
  const fresh = await refreshMessage(message);
  const attachment = fresh?.attachments?.find((a) => a.id === Number(card.dataset.attachmentId));
  const link = document.createElement("a");
  link.href = attachment?.url || card.href;
  link.download = attachment?.name || card.getAttribute("download") || "";
  link.click();
});
