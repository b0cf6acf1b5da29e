// The chat screen's dialogs: a new group or public room, and a conversation's details
// (picture, members, rename, add and remove members, leave).

import { api } from "../../lib/api.js";
import { personAvatar } from "../../lib/avatar.js";
import { $, clear, h, toast } from "../../lib/dom.js";
import { movePopupMenu, popupMenuTrigger } from "../../lib/popup_menu.js";
import { presenceText } from "../../lib/shell.js";
import { isAbort, sendFile } from "../../lib/upload.js";
import { closeConversation, fetchConversation, openConversation, renderHeader } from "./conversation.js";
import { adminSections, deleteButton, manages, memberMenu } from "./group_admin.js";
import { loadBlocked, memberList } from "./members.js";
import { showProfile } from "./sender_actions.js";
import { conversationPicture, conversationTitle, displayName, myRole, otherMember } from "./names.js";
import { els, me, presence } from "./page.js";
import { forgetConversation, historyFor, onConversationChange, state, upsertConversation } from "./state.js";
import { onViewersChange } from "./viewers.js";

export async function loadFriends() {
  try {
    state.friends = await api.get("/api/friends");
    state.friends.forEach((f) => presence.setFrom(f));
  } catch {
    state.friends = [];
  }
  return state.friends;
}

// --- New group or room ------------------------------------------------------------------

export async function openGroupDialog({ isPublic = false } = {}) {
  const form = $("#group-form");
  form.reset();
  $("#group-public").checked = isPublic;
  $("#group-dialog-title").textContent = isPublic ? gettext("New public room") : gettext("New group");
  $("#group-error").textContent = "";
  const list = clear($("#group-friends"));
  const friends = await loadFriends();
  $("#group-friends-empty").hidden = friends.length > 0;
  for (const friend of friends) {
    const inputId = `group-friend-${friend.id}`;
    list.append(
      h(
        "li",
        {},
        h("input", { type: "checkbox", id: inputId, value: String(friend.id), name: "members" }),
        h("label", { for: inputId, text: displayName(friend) }),
        friend.display_name ? h("span", { class: "muted", text: ` @${friend.username}` }) : null,
      ),
    );
  }
  els.groupDialog.showModal();
  $("#group-name").focus();
}

$("#new-group-button").addEventListener("click", () => openGroupDialog());
$("#group-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const memberIds = [...form.querySelectorAll("input[name=members]:checked")].map((i) => Number(i.value));
  const body = {
    type: "group",
    name: form.name.value.trim(),
    description: form.description.value.trim(),
    is_public: form.is_public.checked,
    member_user_ids: memberIds,
  };
  if (form.max_participants.value) body.max_participants = Number(form.max_participants.value);
  try {
    const conversation = await api.post("/api/conversations", body);
    upsertConversation(conversation);
    historyFor(conversation.id);
    els.groupDialog.close();
    openConversation(conversation.id, { push: true });
  } catch (error) {
    $("#group-error").textContent = error.message;
  }
});

// --- Details (members, rename, leave) ------------------------------------------------------

export async function openDetails() {
  const conversation = (await fetchConversation(state.openId)) || state.conversations.get(state.openId);
  if (!conversation) return;
  $("#details-error").textContent = "";
  renderDetails(conversation);
  els.detailsDialog.showModal();
  loadBlocked(() => els.detailsDialog.open && refreshDetails());
}

let detailsList = null; // {id, node, make, heading, shape, roles}: the member list shown, how to draw it again, what it showed

const labelOf = (button) => button.getAttribute("aria-label") || button.textContent;

/**
 * Draw part of Details again without losing the keyboard's place: the same control is
 * focused again, and a member's open menu stays open on the new copy of its button
 * (someone coming in, a presence, or an action's own redraw must not close it under the
 * pointer). `scope()` is the part, before and after `redraw()`.
 */
function keepingPlace(scope, redraw) {
  const active = document.activeElement;
  const focused = scope().contains(active) ? labelOf(active) : null;
  const opener = popupMenuTrigger();
  const menuOf = opener && scope().contains(opener) ? labelOf(opener) : null;
  redraw();
  const same = (label) => [...scope().querySelectorAll("button")].find((b) => labelOf(b) === label);
  if (focused) same(focused)?.focus();
  if (menuOf) movePopupMenu(same(menuOf));
}

/** The member list as it is now, if Details is open (someone came or left, a presence). */
function refreshDetails() {
  if (!els.detailsDialog.open || !detailsList?.node.isConnected) return;
  keepingPlace(() => detailsList.node, () => {
    const fresh = detailsList.make();
    detailsList.node.replaceWith(fresh);
    detailsList.node = fresh;
  });
}

/** What Details offers me there (a change redraws all of Details). */
function shapeOf(conversation) {
  return `${myRole(conversation)}|${Boolean(conversation.is_public)}`;
}

/** Who is in it, with their roles (a change redraws the member list). */
function rolesOf(conversation) {
  return (conversation.members || []).map((m) => `${m.id}:${m.role}`).join(",");
}

function membersHeading(conversation) {
  const count = (conversation.members || []).length;
  return conversation.max_participants
    ? interpolate(gettext("Members (%(count)s of %(limit)s)"), { count, limit: conversation.max_participants }, true)
    : interpolate(gettext("Members (%(count)s)"), { count }, true);
}

// Our copy of the conversation changed (an admin action of ours, or an event: a role
// given, the owner handed over, someone came or was removed, the settings): the open
// Details follows at once. Members and roles redraw the member list (what is being typed
// elsewhere in Details stays, as a new webhook's URL shown once); my own role or the
// visibility redraw all of it, as what I may do changed with them.
onConversationChange((id) => {
  if (!els.detailsDialog.open || id === null || id !== detailsList?.id) return;
  const conversation = state.conversations.get(id);
  if (!conversation) return;
  if (shapeOf(conversation) !== detailsList.shape) {
    renderDetails(conversation);
    return;
  }
  detailsList.heading.textContent = membersHeading(conversation);
  const roles = rolesOf(conversation);
  if (roles === detailsList.roles) return;
  detailsList.roles = roles;
  refreshDetails();
});

els.detailsButton.addEventListener("click", openDetails);
els.viewers.addEventListener("click", openDetails);
onViewersChange((id) => id === state.openId && refreshDetails());
presence.addEventListener("change", refreshDetails);

function detailsError(error) {
  $("#details-error").textContent = error.message;
}

function renderDetails(conversation) {
  keepingPlace(() => $("#details-content"), () => drawDetails(conversation));
}

function drawDetails(conversation) {
  detailsList = null;
  const content = clear($("#details-content"));
  $("#details-title").textContent = conversationTitle(conversation);
  const isAdmin = manages(conversation);
  const refresh = async () => renderDetails((await fetchConversation(conversation.id)) || conversation);
  if (conversation.type === "direct") {
    const other = otherMember(conversation);
    content.append(
      h("div", { class: "conv-avatar-editor" }, personAvatar(other, { size: "lg" })),
      h("p", {}, `${gettext("Direct chat with")} `, h("strong", { text: displayName(other) }), ` (@${other?.username ?? "?"})`),
      h("p", { class: "muted", text: presenceText(presence.status(other?.id)) }),
      h(
        "p",
        {},
        other ? h("button", { type: "button", class: "small", text: gettext("View profile"), onclick: (event) => showProfile(other.id, event.currentTarget) }) : null,
        " ",
        h("a", { href: "/friends/", text: gettext("Manage friends and blocks") }),
      ),
    );
    return;
  }
  content.append(pictureEditor(conversation, isAdmin));
  if (conversation.description) content.append(h("p", { class: "prewrap", text: conversation.description }));
  if (isAdmin) content.append(renameForm(conversation));
  const members = conversation.members || [];
  const heading = h("h3", { text: membersHeading(conversation) });
  content.append(heading);
  const makeList = () => {
    const current = state.conversations.get(conversation.id) || conversation;
    return memberList(current, { onChange: refreshDetails, actions: (member) => memberMenu(current, member, refresh) });
  };
  const list = makeList();
  detailsList = { id: conversation.id, node: list, make: makeList, heading, shape: shapeOf(conversation), roles: rolesOf(conversation) };
  content.append(list);
  if (isAdmin) content.append(addMembersForm(conversation, members));
  content.append(...adminSections(conversation, refresh));
  content.append(
    h("div", { class: "danger-zone" }, deleteButton(conversation, () => {
      els.detailsDialog.close();
      history.pushState({}, "", "/");
      closeConversation();
    }), h("button", {
      type: "button",
      class: "danger",
      text: conversation.is_public ? gettext("Leave room") : gettext("Leave group"),
      onclick: async () => {
        if (!window.confirm(gettext("Leave this conversation?"))) return;
        try {
          await api.post(`/api/conversations/${conversation.id}/leave`);
          els.detailsDialog.close();
          forgetConversation(conversation.id, gettext("You left this conversation."));
          history.pushState({}, "", "/");
          closeConversation();
        } catch (error) {
          detailsError(error);
        }
      },
    })),
  );
}

/** A group's picture; its admins may upload a new one or remove it (initials again). */
function pictureEditor(conversation, isAdmin) {
  const editor = h("div", { class: "conv-avatar-editor" }, conversationPicture(conversation, { size: "lg" }));
  if (!isAdmin) return editor;
  const hasPicture = Boolean(conversation.avatar_url || conversation.avatar_thumbnail_url);
  const input = h("input", { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp", hidden: true, id: "conv-avatar-input" });
  const progress = h("progress", { max: "1", value: "0", hidden: true, "aria-label": gettext("Uploading the picture") });
  const path = `/api/conversations/${conversation.id}/avatar`;
  const saved = (response, fallback) => {
    // The answer is the conversation, or at least its new avatar fields.
    const fields = response && typeof response === "object" ? response : fallback;
    upsertConversation({ ...state.conversations.get(conversation.id), ...fields, id: conversation.id });
    renderHeader();
    renderDetails(state.conversations.get(conversation.id));
  };
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    progress.hidden = false;
    $("#details-error").textContent = "";
    try {
      saved(await sendFile(path, file, { method: "PUT", onProgress: (v) => (progress.value = v) }), {});
      toast(gettext("Picture saved."));
    } catch (error) {
      if (!isAbort(error)) detailsError(error);
    } finally {
      progress.hidden = true;
    }
  });
  const remove = async () => {
    try {
      saved(await api.del(path), { avatar_url: null, avatar_thumbnail_url: null });
      toast(gettext("Picture removed."));
    } catch (error) {
      detailsError(error);
    }
  };
  editor.append(
    h(
      "div",
      { class: "avatar-controls" },
      h(
        "div",
        { class: "avatar-buttons" },
        input,
        h("button", { type: "button", class: "small", text: hasPicture ? gettext("Change picture") : gettext("Add a picture"), onclick: () => input.click() }),
        hasPicture ? h("button", { type: "button", class: "small ghost", text: gettext("Remove picture"), onclick: remove }) : null,
      ),
      progress,
    ),
  );
  return editor;
}

function renameForm(conversation) {
  const nameInput = h("input", { id: "rename-input", maxlength: "100", value: conversation.name || "" });
  const descriptionInput = h("textarea", { id: "describe-input", rows: "2" });
  descriptionInput.value = conversation.description || "";
  return h(
    "form",
    {
      class: "stacked",
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const updated = await api.patch(`/api/conversations/${conversation.id}`, {
            name: nameInput.value.trim(),
            description: descriptionInput.value.trim(),
          });
          upsertConversation(updated);
          renderHeader();
          renderDetails(state.conversations.get(conversation.id));
          toast(gettext("Saved."));
        } catch (error) {
          detailsError(error);
        }
      },
    },
    h("div", { class: "field" }, h("label", { for: "rename-input", text: gettext("Name") }), nameInput),
    h("div", { class: "field" }, h("label", { for: "describe-input", text: gettext("Description") }), descriptionInput),
    h("button", { type: "submit", class: "small", text: gettext("Save") }),
  );
}

function addMembersForm(conversation, members) {
  const select = h("select", { id: "add-member-select", multiple: true, size: "4" });
  const addForm = h(
    "form",
    {
      class: "stacked",
      onsubmit: async (event) => {
        event.preventDefault();
        const ids = [...select.selectedOptions].map((o) => Number(o.value));
        if (!ids.length) return;
        try {
          upsertConversation(await api.post(`/api/conversations/${conversation.id}/members`, { user_ids: ids }));
          renderDetails((await fetchConversation(conversation.id)) || conversation);
        } catch (error) {
          detailsError(error);
        }
      },
    },
    h("div", { class: "field" }, h("label", { for: "add-member-select", text: gettext("Add friends") }), select),
    h("button", { type: "submit", class: "small", text: gettext("Add selected") }),
  );
  loadFriends().then((friends) => {
    const inside = new Set(members.map((m) => m.id));
    const candidates = friends.filter((f) => !inside.has(f.id));
    for (const friend of candidates) select.append(h("option", { value: String(friend.id), text: displayName(friend) }));
    if (!candidates.length) addForm.replaceWith(h("p", { class: "muted", text: gettext("All your friends are already here.") }));
  });
  return addForm;
}
