// A group's administration in the Details dialog (docs/api.md, Conversations): each
// member's role menu (make admin / member / owner, remove, ban), the group's visibility
// and member limit, the ban list with unban, deleting the group, and the invite links
// (invites.js). Who sees what follows the server's rule: owner > admin > member.

import { api } from "../../lib/api.js";
import { $, h, toast } from "../../lib/dom.js";
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
      if (done) toast(done);
      await refresh();
    } catch (error) {
      say(error);
    }
  };
}

/** The role tag of a member (owner, admin) for the member list. */
export function roleTag(member) {
  return member.role === "member" ? null : h("span", { class: `tag role-${member.role}`, text: member.role });
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
    if (member.role === "member") items.push(["Make admin", act(`${base}/members/${member.id}`, "patch", { role: "admin" }, refresh, `${name} is an admin now.`)]);
    else items.push(["Make member", act(`${base}/members/${member.id}`, "patch", { role: "member" }, refresh, `${name} is a member now.`)]);
    items.push(["Make owner", async () => {
      if (!window.confirm(`Make ${name} the owner? You stay an admin.`)) return;
      await act(`${base}/transfer-ownership`, "post", { user_id: member.id }, refresh, `${name} is the owner now.`)();
    }]);
  }
  const remove = h("button", { type: "button", class: "small ghost", text: "Remove", "aria-label": `Remove ${name}`, onclick: act(`${base}/members/${member.id}`, "del", undefined, refresh) });
  items.push(["Ban", async () => {
    const reason = window.prompt(`Ban ${name}? They cannot come back until unbanned. Reason (optional):`, "");
    if (reason === null) return;
    await act(`${base}/bans`, "post", { user_id: member.id, reason }, refresh, `${name} is banned.`)();
  }]);
  const menu = h("div", { class: "role-menu", role: "menu", hidden: true });
  const button = h("button", { type: "button", class: "small ghost", text: "⋯", "aria-haspopup": "menu", "aria-expanded": "false", "aria-label": `Manage ${name}` });
  for (const [label, run] of items) {
    menu.append(h("button", { type: "button", role: "menuitem", class: "small ghost", text: label, "aria-label": `${label} ${name}`, onclick: () => { menu.hidden = true; run(); } }));
  }
  button.addEventListener("click", () => {
    menu.hidden = !menu.hidden;
    button.setAttribute("aria-expanded", String(!menu.hidden));
  });
  return h("span", { class: "member-manage" }, remove, button, menu);
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
    text: "Delete group",
    onclick: async () => {
      if (!window.confirm("Delete this group and all its messages for everyone?")) return;
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
    h("option", { value: "false", text: "Private group (members and invite links)" }),
    h("option", { value: "true", text: "Public room (anyone may find and join)" }),
  );
  visibility.value = String(Boolean(conversation.is_public));
  const limit = h("input", { id: "details-limit", name: "max_participants", type: "number", min: "2", placeholder: "No limit", value: conversation.max_participants ?? "" });
  const form = h("form", { class: "details-settings" },
    h("label", { for: "details-visibility", text: "Visibility" }), visibility,
    h("label", { for: "details-limit", text: "Member limit" }), limit,
    h("button", { type: "submit", class: "small", text: "Save settings" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { is_public: visibility.value === "true", max_participants: limit.value ? Number(limit.value) : null };
    await act(`/api/conversations/${conversation.id}`, "patch", body, refresh, "Settings saved.")();
  });
  return h("section", { class: "details-section" }, h("h3", { text: "Settings" }), form);
}

function bansSection(conversation) {
  const list = h("ul", { class: "people ban-list", id: "ban-list" });
  const section = h("section", { class: "details-section" }, h("h3", { text: "Banned" }), list);
  const path = `/api/conversations/${conversation.id}/bans`;
  const load = async () => {
    list.replaceChildren();
    let bans = [];
    try {
      bans = await api.get(path);
    } catch (error) {
      say(error);
    }
    if (!bans.length) list.append(h("li", { class: "muted", text: "Nobody is banned." }));
    for (const ban of bans) {
      const name = displayName(ban.user);
      list.append(h("li", { class: "person", dataset: { userId: String(ban.user.id) } },
        h("span", { class: "person-name", text: name }),
        ban.reason ? h("span", { class: "muted", text: ban.reason }) : null,
        h("button", { type: "button", class: "small ghost", text: "Unban", "aria-label": `Unban ${name}`, onclick: async () => {
          try {
            await api.del(`${path}/${ban.user.id}`);
            toast(`${name} may come back now.`);
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
