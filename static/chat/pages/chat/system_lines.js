// System lines in the message list: "Alice added Bob", "Carol left", "Alice renamed the
// group to …" are messages of type `system` (docs/api.md, "System lines"). They are shown
// as a centred muted line, not a bubble: no avatar, no actions, and they break a
// sender's group. The sentence is the server's (written with the names of that moment).

import { fullTime, h, shortTime } from "../../lib/dom.js";

export function isSystemLine(message) {
  return message?.message_type === "system";
}

/** The row of a system line, or null for any other message. */
export function systemLineElement(message) {
  if (!isSystemLine(message)) return null;
  return h(
    "li",
    {
      class: "msg system-line",
      dataset: { id: String(message.id), seq: String(message.seq ?? ""), sender: "system", time: message.created_at, event: message.system?.event || "" },
    },
    h("span", { class: "system-text", title: fullTime(message.created_at), text: message.content }),
    h("time", { class: "system-time", datetime: message.created_at, text: shortTime(message.created_at) }),
  );
}
