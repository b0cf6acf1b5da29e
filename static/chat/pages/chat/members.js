// A group's or room's member list, as Details shows it: each person's picture, name (it
// opens their profile card), role, whether they are here now (viewing the conversation),
// presence for friends (the server tells no one else's), and Block for anyone but you.
// The caller adds its own buttons per member (an admin's Remove).

import { api } from "../../lib/api.js";
import { personAvatar } from "../../lib/avatar.js";
import { blockPerson, unblockPerson } from "../../lib/block.js";
import { botTag } from "../../lib/bot_tag.js";
import { h } from "../../lib/dom.js";
import { presenceText } from "../../lib/shell.js";
import { roleTag } from "./group_admin.js";
import { showProfile } from "./sender_actions.js";
import { displayName } from "./names.js";
import { me, presence } from "./page.js";
import { state } from "./state.js";
import { viewersOf } from "./viewers.js";

const ROLE_ORDER = { owner: 0, admin: 1 };

/** Members in the order a reader looks for them: you, those here now, by role, by name. */
function ordered(conversation) {
  const here = viewersOf(conversation.id);
  const rank = (m) => [m.id === me.id ? 0 : 1, here.has(m.id) ? 0 : 1, ROLE_ORDER[m.role] ?? 2];
  return [...(conversation.members || [])].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    for (let i = 0; i < ra.length; i += 1) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return displayName(a).localeCompare(displayName(b));
  });
}

let blocked = new Set(); // whom I block, as last asked

/** Ask the server whom I block (the list's Block/Unblock buttons), then call `then`. */
export function loadBlocked(then) {
  api.get("/api/blocks").then(
    (rows) => {
      blocked = new Set(rows.map((row) => row.id));
      then();
    },
    () => {},
  );
}

export function memberList(conversation, { actions = () => [], onChange = () => {} } = {}) {
  const here = viewersOf(conversation.id);
  const friendIds = new Set(state.friends.map((f) => f.id));
  const list = h("ul", { class: "people member-list", "aria-label": gettext("Members") });
  for (const member of ordered(conversation)) {
    const name = displayName(member);
    const status = friendIds.has(member.id) ? presence.status(member.id) : null;
    const isMe = member.id === me.id;
    const toggleBlock = async () => {
      const done = blocked.has(member.id) ? await unblockPerson(member) : await blockPerson(member);
      if (!done) return;
      if (blocked.has(member.id)) blocked.delete(member.id);
      else blocked.add(member.id);
      onChange();
    };
    list.append(
      h(
        "li",
        { class: "person", dataset: { userId: String(member.id) } },
        personAvatar(member, { size: "sm", extra: status ? h("span", { class: `dot ${status}` }) : null }),
        h(
          "span",
          { class: "person-name" },
          h("button", {
            type: "button",
            class: "person-link",
            text: isMe ? interpolate(gettext("%(name)s (you)"), { name }, true) : name,
            onclick: (event) => showProfile(member.id, event.currentTarget),
          }),
          botTag(member.is_bot),
          roleTag(member),
          here.has(member.id) ? h("span", { class: "tag tag-here", text: gettext("here now") }) : null,
          status ? h("span", { class: `presence ${status}`, text: presenceText(status).toLowerCase() }) : null,
          blocked.has(member.id) ? h("span", { class: "tag tag-warn", text: gettext("blocked") }) : null,
        ),
        h(
          "span",
          { class: "person-actions" },
          actions(member),
          isMe
            ? null
            : h("button", {
                type: "button",
                class: `small ghost${blocked.has(member.id) ? "" : " danger-text"}`,
                text: blocked.has(member.id) ? gettext("Unblock") : gettext("Block"),
                "aria-label": interpolate(blocked.has(member.id) ? gettext("Unblock %(name)s") : gettext("Block %(name)s"), { name }, true),
                onclick: toggleBlock,
              }),
        ),
      ),
    );
  }
  return list;
}
