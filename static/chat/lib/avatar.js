// The round picture of a person (square-ish for a group or room): their uploaded avatar
// when they have one, else the first letter of their name, as before avatars existed.
// An image that fails to load (a signed URL that expired, a removed file) falls back to
// the letter too, so a broken-image icon is never shown.

import { h, initial } from "./dom.js";

/** Small avatars use the thumbnail; large ones (settings, details) the full picture. */
const LARGE = new Set(["lg", "xl"]);

/**
 * An avatar element. `name` gives the letter (and nothing else: the element is decorative,
 * aria-hidden, because the name is always written next to it); `thumb`/`full` are the
 * picture's URLs; `size` is "", "xs", "sm", "lg" or "xl"; `group` squares the corners;
 * `extra` (a presence dot) is appended inside.
 */
export function avatar({ name, thumb = null, full = null, size = "", group = false, extra = null, className = "" }) {
  const src = (LARGE.has(size) ? full || thumb : thumb || full) || null;
  const classes = ["avatar", size ? `avatar-${size}` : "", group ? "avatar-group" : "", src ? "has-image" : "", className];
  const el = h("span", { class: classes.filter(Boolean).join(" "), "aria-hidden": "true", dataset: { initial: initial(name) } });
  if (src) {
    const img = h("img", { src, alt: "", loading: "lazy", decoding: "async", draggable: "false" });
    img.addEventListener("error", () => {
      img.remove();
      el.classList.remove("has-image");
      el.prepend(initial(name));
    });
    el.append(img);
  } else {
    el.append(initial(name));
  }
  if (extra) el.append(extra);
  return el;
}

export function personName(person) {
  return person ? person.display_name || person.username || "?" : "?";
}

/** A person's avatar (any user representation: members, friends, actors, `me`). */
export function personAvatar(person, options = {}) {
  return avatar({
    name: personName(person),
    thumb: person?.avatar_thumbnail_url || null,
    full: person?.avatar_url || null,
    ...options,
  });
}

/** A group's or room's own avatar (conversation representations, public rooms). */
export function conversationAvatar(conversation, name, options = {}) {
  return avatar({
    name,
    thumb: conversation?.avatar_thumbnail_url || null,
    full: conversation?.avatar_url || null,
    group: true,
    ...options,
  });
}
