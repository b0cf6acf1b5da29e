// System lines in the message list: "Alice added Bob", "Carol left", "Alice renamed the
// group to …" are messages of type `system` (docs/api.md, "System lines"). They are shown
// as a centred muted line, not a bubble: no avatar, no actions, and they break a
// sender's group. The server's sentence is English, written with the names of that
// moment; in another language the line is worded here from its `system` payload, with the
// names the conversation knows (the server's sentence when someone in it is unknown now).

import { fullTime, h, shortTime } from "../../lib/dom.js";
import { displayName, memberOf } from "./names.js";
import { me } from "./page.js";

const SENTENCES = {
  created: () => gettext("%(who)s created the group"),
  joined: () => gettext("%(who)s joined"),
  invite_joined: () => gettext("%(who)s joined with an invite link"),
  added: () => gettext("%(who)s added %(whom)s"),
  left: () => gettext("%(who)s left"),
  removed: () => gettext("%(who)s removed %(whom)s"),
  banned: () => gettext("%(who)s banned %(whom)s"),
  renamed: () => gettext("%(who)s renamed the group to %(name)s"),
  role_changed: (role) => (role === "admin" ? gettext("%(who)s made %(whom)s an admin") : gettext("%(who)s made %(whom)s a member")),
  owner_changed: () => gettext("%(whom)s is now the owner"),
};

function nameOf(conversation, userId) {
  if (userId == null) return null;
  const person = userId === me.id ? me : memberOf(conversation, userId);
  return person ? displayName(person) : null;
}

/** The words of a system line in the page's language (the server's English otherwise). */
export function systemLineText(message, conversation) {
  const system = message.system;
  const sentence = system && SENTENCES[system.event];
  if (!sentence || document.documentElement.lang.startsWith("en")) return message.content;
  const fmt = sentence(system.role);
  const who = nameOf(conversation, system.actor_id);
  const whom = nameOf(conversation, system.user_id);
  if ((fmt.includes("%(who)s") && !who) || (fmt.includes("%(whom)s") && !whom)) return message.content;
  return interpolate(fmt, { who, whom, name: system.name ?? "" }, true);
}

export function isSystemLine(message) {
  return message?.message_type === "system";
}

/** The row of a system line, or null for any other message. */
export function systemLineElement(message, conversation) {
  if (!isSystemLine(message)) return null;
  return h(
    "li",
    {
      class: "msg system-line",
      dataset: { id: String(message.id), seq: String(message.seq ?? ""), sender: "system", time: message.created_at, event: message.system?.event || "" },
    },
    h("span", { class: "system-text", title: fullTime(message.created_at), text: systemLineText(message, conversation) }),
    h("time", { class: "system-time", datetime: message.created_at, text: shortTime(message.created_at) }),
  );
}
