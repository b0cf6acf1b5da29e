// What a file is, as people read it: a size in B/KB/MB, a kind with a short label for its
// icon, and whether the browser can show it as a picture.

const UNITS = ["B", "KB", "MB", "GB"];

/** 1234567 → "1.2 MB" (1024-based, as file managers count). */
export function humanSize(bytes) {
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

const KINDS = [
  // [kind, test on the content type, extensions]
  ["image", (t) => t.startsWith("image/"), ["png", "jpg", "jpeg", "gif", "webp", "bmp", "svg", "heic"]],
  ["pdf", (t) => t === "application/pdf", ["pdf"]],
  ["archive", (t) => /zip|tar|gzip|x-7z|rar|compressed/.test(t), ["zip", "tar", "gz", "tgz", "7z", "rar", "bz2", "xz"]],
  ["audio", (t) => t.startsWith("audio/"), ["mp3", "wav", "ogg", "flac", "m4a"]],
  ["video", (t) => t.startsWith("video/"), ["mp4", "mov", "webm", "mkv", "avi"]],
  ["sheet", (t) => /spreadsheet|excel|csv/.test(t), ["xls", "xlsx", "ods", "csv", "tsv"]],
  ["slides", (t) => /presentation|powerpoint/.test(t), ["ppt", "pptx", "odp", "key"]],
  ["doc", (t) => /word|opendocument\.text|rtf/.test(t), ["doc", "docx", "odt", "rtf"]],
  ["code", (t) => /json|xml|javascript|x-python|x-sh|html/.test(t), ["json", "xml", "js", "ts", "py", "sh", "html", "css", "sql", "yml", "yaml"]],
  ["text", (t) => t.startsWith("text/"), ["txt", "md", "log"]],
];

function extension(name) {
  const match = /\.([a-z0-9]{1,8})$/i.exec(name || "");
  return match ? match[1].toLowerCase() : "";
}

/**
 * `{kind, label}` for a file: kind picks the icon's colour (CSS `file-icon-<kind>`), label
 * is the short text on it (the extension, else the kind).
 */
export function fileKind(contentType, name) {
  const type = (contentType || "").toLowerCase();
  const ext = extension(name);
  for (const [kind, test, extensions] of KINDS) {
    if (test(type) || extensions.includes(ext)) {
      return { kind, label: (ext || kind).slice(0, 4).toUpperCase() };
    }
  }
  return { kind: "other", label: (ext || "file").slice(0, 4).toUpperCase() };
}

/** An attachment the server made a thumbnail of (an image it decoded and re-encoded). */
export function isImageAttachment(attachment) {
  return Boolean(attachment?.thumbnail_url);
}

/** A local file the browser can draw a preview of before it is uploaded. */
export function isPreviewableFile(file) {
  return /^image\/(png|jpeg|gif|webp|bmp)$/i.test(file?.type || "");
}

/** Scale (width, height) down to fit a box, never up; null sizes get the box. */
export function fitBox(width, height, maxWidth, maxHeight) {
  if (!width || !height) return { width: maxWidth, height: Math.round((maxWidth * 3) / 4) };
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** "Image: photo.png", "3 files": what a message with these attachments and no text says. */
export function attachmentSummary(attachments) {
  if (!attachments?.length) return "";
  const images = attachments.every(isImageAttachment);
  if (attachments.length === 1) {
    const fmt = images ? gettext("Image: %(name)s") : gettext("File: %(name)s");
    return interpolate(fmt, { name: attachments[0].name }, true);
  }
  const count = attachments.length;
  const fmt = images ? ngettext("%(count)s image", "%(count)s images", count) : ngettext("%(count)s file", "%(count)s files", count);
  return interpolate(fmt, { count }, true);
}

/**
 * A small picture of a local image file as a data: URL (the CSP allows data: images, not
 * blob: ones), at most `size` pixels across; `square` crops the middle, as avatars are.
 * Null when the browser cannot decode the file.
 */
export async function previewDataUrl(file, size, { square = false } = {}) {
  try {
    const bitmap = await createImageBitmap(file);
    const side = Math.min(bitmap.width, bitmap.height);
    const source = square
      ? [(bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side]
      : [0, 0, bitmap.width, bitmap.height];
    const scale = Math.min(1, size / Math.max(source[2], source[3]));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(source[2] * scale));
    canvas.height = Math.max(1, Math.round(source[3] * scale));
    canvas.getContext("2d").drawImage(bitmap, ...source, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvas.toDataURL("image/png");
  } catch {
    return null;
  }
}
