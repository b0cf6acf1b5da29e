// A group's administration in the Details dialog (docs/api.md, Conversations): each
// member's role menu (make admin / member / owner, remove, ban), the group's visibility
// and member limit, the ban list with unban, deleting the group, and the invite links
// (invites.js). Who sees what follows the server's rule: owner > admin > member.

import { api } from "../../lib/api.js";
import { $, h, toast } from "../../lib/dom.js";
import { togglePopupMenu } from "../../lib/popup_menu.js";
import { renderHeader } from "./conversation.js";
import { invitesSection } from "./invites.js";
import { displayName, myRole } from "./names.js";
import { me } from "./page.js";
import { state, upsertConversation } from "./state.js";
import { webhooksSection } from "./webhooks.js";

const RANK = { owner: 2, admin: 1, member: 0 };

/** Owner or admin of this group. */
export function manages(conversation) {
  return conversation?.type === "group" && RANK[myRole(conversation)] >= 1;
}

function say(error) {
  $("#details-error").textContent = error.message;
}

function act(path, method, body, refresh, done) {
  return async () => {
    $("#details-error").textContent = "";
    try {
      const answer = await api[method](path, body);
      if (answer && answer.id && answer.members) upsertConversation(answer);
      await refresh();
      if (done) toast(done); // once Details shows it (and will not be redrawn under the next click)
    } catch (error) {
      say(error);
    }
  };
}

const ROLE_NAMES = { owner: gettext("owner"), admin: gettext("admin") };

/** The role tag of a member (owner, admin) for the member list, in the page's language. */
export function roleTag(member) {
  return !member.role || member.role === "member" ? null : h("span", { class: `tag role-${member.role}`, text: ROLE_NAMES[member.role] || member.role });
}

/** A member's actions for me: Remove, and a small menu (roles, ownership, ban); null
 * when I may do nothing to them. */
export function memberMenu(conversation, member, refresh) {
  const mine = myRole(conversation);
  if (member.id === me.id || RANK[mine] <= RANK[member.role]) return null;
  const base = `/api/conversations/${conversation.id}`;
  const name = displayName(member);
  const items = [];
  if (mine === "owner") {
    if (member.role === "member") items.push([gettext("Make admin"), act(`${base}/members/${member.id}`, "patch", { role: "admin" }, refresh, interpolate(gettext("%(name)s is an admin now."), { name }, true))]);
    else items.push([gettext("Make member"), act(`${base}/members/${member.id}`, "patch", { role: "member" }, refresh, interpolate(gettext("%(name)s is a member now."), { name }, true))]);
    items.push([gettext("Make owner"), async () => {
      if (!window.confirm(interpolate(gettext("Make %(name)s the owner? You stay an admin."), { name }, true))) return;
      await act(`${base}/transfer-ownership`, "post", { user_id: member.id }, refresh, interpolate(gettext("%(name)s is the owner now."), { name }, true))();
    }]);
  }
  const remove = h("button", { type: "button", class: "small ghost", text: gettext("Remove"), "aria-label": interpolate(gettext("Remove %(name)s"), { name }, true), onclick: act(`${base}/members/${member.id}`, "del", undefined, refresh) });
  items.push([gettext("Ban"), async () => {
    const reason = window.prompt(interpolate(gettext("Ban %(name)s? They cannot come back until unbanned. Reason (optional):"), { name }, true), "");
    if (reason === null) return;
    await act(`${base}/bans`, "post", { user_id: member.id, reason }, refresh, interpolate(gettext("%(name)s is banned."), { name }, true))();
  }]);
  const manage = interpolate(gettext("Manage %(name)s"), { name }, true);
  const button = h("button", { type: "button", class: "small ghost", text: "⋯", "aria-haspopup": "menu", "aria-expanded": "false", "aria-label": manage });
  const open = () => togglePopupMenu(button, items.map(([label, run]) => ({ label, ariaLabel: `${label} ${name}`, onSelect: run })), { label: manage, className: "role-menu" });
  button.addEventListener("click", open);
  button.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    if (button.getAttribute("aria-expanded") !== "true") open(); // the arrows open it too
  });
  return h("span", { class: "member-manage" }, remove, button);
}

/** Visibility and member limit (admins), the ban list, the invite links, deleting (owner). */
export function adminSections(conversation, refresh) {
  if (!manages(conversation)) return [];
  return [settingsForm(conversation, refresh), bansSection(conversation), invitesSection(conversation), webhooksSection(conversation)];
}

export function deleteButton(conversation, onDeleted) {
  if (myRole(conversation) !== "owner") return null;
  return h("button", {
    type: "button",
    class: "danger",
    text: gettext("Delete group"),
    onclick: async () => {
      if (!window.confirm(gettext("Delete this group and all its messages for everyone?"))) return;
      try {
        await api.del(`/api/conversations/${conversation.id}`);
        onDeleted();
      } catch (error) {
        say(error);
      }
    },
  });
}

function settingsForm(conversation, refresh) {
  const visibility = h("select", { id: "details-visibility", name: "is_public" },
    h("option", { value: "false", text: gettext("Private group (members and invite links)") }),
    h("option", { value: "true", text: gettext("Public room (anyone may find and join)") }),
  );
  visibility.value = String(Boolean(conversation.is_public));
  const limit = h("input", { id: "details-limit", name: "max_participants", type: "number", min: "2", placeholder: gettext("No limit"), value: conversation.max_participants ?? "" });
  const form = h("form", { class: "details-settings" },
    h("label", { for: "details-visibility", text: gettext("Visibility") }), visibility,
    h("label", { for: "details-limit", text: gettext("Member limit") }), limit,
    h("button", { type: "submit", class: "small", text: gettext("Save settings") }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { is_public: visibility.value === "true", max_participants: limit.value ? Number(limit.value) : null };
    await act(`/api/conversations/${conversation.id}`, "patch", body, refresh, gettext("Settings saved."))();
  });
  return h("section", { class: "details-section" }, h("h3", { text: gettext("Settings") }), form);
}

function bansSection(conversation) {
  const list = h("ul", { class: "people ban-list", id: "ban-list" });
  const section = h("section", { class: "details-section" }, h("h3", { text: gettext("Banned") }), list);
  const path = `/api/conversations/${conversation.id}/bans`;
  const load = async () => {
    list.replaceChildren();
    let bans = [];
    try {
      bans = await api.get(path);
    } catch (error) {
      say(error);
    }
    if (!bans.length) list.append(h("li", { class: "muted", text: gettext("Nobody is banned.") }));
    for (const ban of bans) {
      const name = displayName(ban.user);
      list.append(h("li", { class: "person", dataset: { userId: String(ban.user.id) } },
        h("span", { class: "person-name", text: name }),
        ban.reason ? h("span", { class: "muted", text: ban.reason }) : null,
        h("button", { type: "button", class: "small ghost", text: gettext("Unban"), "aria-label": interpolate(gettext("Unban %(name)s"), { name }, true), onclick: async () => {
          try {
            await api.del(`${path}/${ban.user.id}`);
            toast(interpolate(gettext("%(name)s may come back now."), { name }, true));
            load();
          } catch (error) {
            say(error);
          }
        } }),
      ));
    }
  };
  load();
  return section;
}

/** `member_role_changed`: the member's new role in our copy; the header and an open
 * Details dialog follow. */
export function applyRoleChange({ conversation_id: cid, user_id: uid, role }) {
  const conversation = state.conversations.get(cid);
  if (!conversation) return;
  const members = (conversation.members || []).map((m) => (m.id === uid ? { ...m, role } : m));
  upsertConversation({ ...conversation, members });
  if (cid === state.openId) renderHeader();
}
