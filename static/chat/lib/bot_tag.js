// The "BOT" tag next to a bot's name (docs/api.md, "Webhooks and bots"): message rows,
// member lists, the profile card. Bots are `is_bot` people and `sender_is_bot` messages.

import { h } from "./dom.js";

/** The tag for a bot, else null (so it can go straight into `h(...)` children). */
export function botTag(isBot) {
  if (!isBot) return null;
  return h("span", { class: "tag bot-tag", title: gettext("An automated account"), text: gettext("BOT") });
}
