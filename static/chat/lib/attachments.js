// A message's attachments as the page shows them: images as thumbnails whose box is
// reserved from the width and height the server measured (so the list never jumps when
// they load), every other file as a card with an icon for its type, its name, its size
// and a download link. Opening an image full size is the page's business: the thumbnail
// is a button with data-action="view" (pages/chat/attachments.js listens for it).

import { h } from "./dom.js";
import { fileKind, fitBox, humanSize, isImageAttachment } from "./files.js";

/** The largest box a thumbnail takes: one image alone, or each of several side by side. */
const SINGLE = { width: 320, height: 240 };
const SEVERAL = { width: 200, height: 160 };

/** The icon of a file card: a page with its type's short label (PDF, ZIP, DOCX…). */
export function fileIcon(contentType, name) {
  const { kind, label } = fileKind(contentType, name);
  return h("span", { class: `file-icon file-icon-${kind}`, "aria-hidden": "true", text: label });
}

function imageButton(attachment, box, onBroken) {
  const size = fitBox(attachment.width, attachment.height, box.width, box.height);
  const img = h("img", {
    src: attachment.thumbnail_url,
    alt: attachment.name,
    width: String(size.width),
    height: String(size.height),
    loading: "lazy",
    decoding: "async",
    draggable: "false",
  });
  if (onBroken) img.addEventListener("error", () => onBroken(attachment), { once: true });
  return h(
    "button",
    {
      type: "button",
      class: "att-image",
      dataset: { action: "view", attachmentId: String(attachment.id) },
      "aria-label": interpolate(gettext("Open %(name)s full size"), { name: attachment.name }, true),
      title: attachment.name,
    },
    img,
  );
}

/** A download card for a file that is not shown inline. */
export function fileCard(attachment) {
  const size = humanSize(attachment.size);
  return h(
    "a",
    {
      class: "file-card",
      href: attachment.url,
      download: attachment.name,
      dataset: { attachmentId: String(attachment.id) },
      "aria-label": interpolate(gettext("Download %(name)s, %(size)s"), { name: attachment.name, size }, true),
    },
    fileIcon(attachment.content_type, attachment.name),
    h(
      "span",
      { class: "file-text" },
      h("span", { class: "file-name", text: attachment.name }),
      h("span", { class: "file-meta", text: size }),
    ),
    h("span", { class: "file-download", "aria-hidden": "true", text: "↓" }),
  );
}

/**
 * The attachments of one message (null when it has none). `onBroken(attachment)` is
 * called when a thumbnail does not load (its signed URL expired: refetch the message).
 */
export function attachmentsElement(attachments, { onBroken = null } = {}) {
  if (!attachments?.length) return null;
  const images = attachments.filter(isImageAttachment);
  const files = attachments.filter((a) => !isImageAttachment(a));
  const box = images.length > 1 ? SEVERAL : SINGLE;
  return h(
    "div",
    { class: "msg-attachments" },
    images.length ? h("div", { class: "att-images" }, images.map((a) => imageButton(a, box, onBroken))) : null,
    files.length ? h("div", { class: "att-files" }, files.map(fileCard)) : null,
  );
}
