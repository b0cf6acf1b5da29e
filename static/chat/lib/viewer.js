// The full-size image viewer: a modal <dialog> over the page, one image at a time among
// the images it was opened with. Esc closes (the dialog's own cancel), Left/Right and the
// on-screen arrows (or a swipe) move, Tab stays inside, and focus goes back to the
// thumbnail that opened it. Built on first use, so any page can have one.

import { h } from "./dom.js";

let viewer = null;

const FOCUSABLE = "a[href], button:not([disabled]):not([hidden])";

class ImageViewer {
  constructor() {
    this.images = [];
    this.index = 0;
    this.opener = null;
    this.onBroken = null;
    this.caption = h("h2", { class: "viewer-caption", id: "viewer-caption" });
    this.count = h("span", { class: "viewer-count", "aria-live": "polite" });
    this.download = h("a", { class: "button small ghost viewer-download", text: gettext("Download") });
    this.close = h("button", { type: "button", class: "icon-button viewer-close", "aria-label": gettext("Close viewer"), text: "✕" });
    this.prev = h("button", { type: "button", class: "viewer-nav viewer-prev", "aria-label": gettext("Previous image"), text: "‹" });
    this.next = h("button", { type: "button", class: "viewer-nav viewer-next", "aria-label": gettext("Next image"), text: "›" });
    this.img = h("img", { class: "viewer-img", alt: "" });
    this.stage = h("div", { class: "viewer-stage" }, this.prev, this.img, this.next);
    this.dialog = h(
      "dialog",
      { class: "viewer", "aria-labelledby": "viewer-caption", "aria-describedby": "viewer-help" },
      h(
        "div",
        { class: "viewer-bar" },
        h("div", { class: "viewer-title" }, this.caption, this.count),
        this.download,
        this.close,
      ),
      this.stage,
      h("p", { class: "visually-hidden", id: "viewer-help", text: gettext("Left and right arrow keys move between images; Escape closes.") }),
    );
    document.body.append(this.dialog);
    this.close.addEventListener("click", () => this.dialog.close());
    this.prev.addEventListener("click", () => this.move(-1));
    this.next.addEventListener("click", () => this.move(1));
    this.stage.addEventListener("click", (event) => {
      if (event.target === this.stage) this.dialog.close(); // the dark space around the image
    });
    this.dialog.addEventListener("keydown", (event) => this.onKey(event));
    this.dialog.addEventListener("close", () => this.onClose());
    this.img.addEventListener("load", () => this.img.classList.remove("is-loading"));
    this.img.addEventListener("error", () => this.onError());
    let startX = null;
    this.stage.addEventListener("pointerdown", (event) => {
      if (event.pointerType !== "mouse") startX = event.clientX;
    });
    this.stage.addEventListener("pointerup", (event) => {
      if (startX === null) return;
      const dx = event.clientX - startX;
      startX = null;
      if (Math.abs(dx) > 50) this.move(dx < 0 ? 1 : -1);
    });
  }

  open(images, index, { opener = null, onBroken = null } = {}) {
    this.images = images;
    this.opener = opener;
    this.onBroken = onBroken;
    this.show(index);
    if (!this.dialog.open) this.dialog.showModal();
    this.close.focus();
  }

  show(index) {
    const count = this.images.length;
    this.index = (index + count) % count;
    const image = this.images[this.index];
    image.retried = image.retried || false;
    this.img.classList.add("is-loading");
    if (image.width && image.height) {
      this.img.width = image.width;
      this.img.height = image.height;
    } else {
      this.img.removeAttribute("width");
      this.img.removeAttribute("height");
    }
    this.img.alt = image.name;
    this.img.src = image.url;
    this.caption.textContent = image.name;
    this.count.textContent = count > 1 ? interpolate(gettext("%(index)s of %(count)s"), { index: this.index + 1, count }, true) : "";
    this.download.href = image.url;
    this.download.setAttribute("download", image.name);
    this.download.setAttribute("aria-label", interpolate(gettext("Download %(name)s"), { name: image.name }, true));
    this.prev.hidden = this.next.hidden = count < 2;
  }

  move(step) {
    if (this.images.length > 1) this.show(this.index + step);
  }

  onKey(event) {
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      this.move(event.key === "ArrowLeft" ? -1 : 1);
    } else if (event.key === "Tab") {
      // Keep Tab inside the viewer (the page behind is inert, but Tab could reach the
      // browser's own UI).
      const items = [...this.dialog.querySelectorAll(FOCUSABLE)];
      const first = items[0];
      const last = items[items.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  /** A full-size URL that expired: ask the page for a fresh one, once per image. */
  async onError() {
    const image = this.images[this.index];
    if (!image || image.retried || !this.onBroken) return;
    image.retried = true;
    const fresh = await this.onBroken(image);
    if (fresh && this.images[this.index] === image) {
      Object.assign(image, fresh);
      this.show(this.index);
    }
  }

  onClose() {
    this.img.removeAttribute("src");
    const opener = this.opener;
    this.opener = null;
    if (opener?.isConnected) opener.focus();
  }
}

/**
 * Show `images` ([{url, name, width, height}]) starting at `index`; `opener` gets focus
 * back on close; `onBroken(image)` may resolve to fresh `{url}` when a URL expired.
 */
export function openViewer(images, index, options = {}) {
  if (!images.length) return;
  if (!viewer) viewer = new ImageViewer();
  viewer.open(images, index, options);
}
