// `/invite/<code>/`: what an invite link leads to (name, picture, size; nothing
// private) and joining through it. A link that is over says why.

import { api } from "../lib/api.js";
import { conversationAvatar } from "../lib/avatar.js";
import { $, clear } from "../lib/dom.js";
import { startShell } from "../lib/shell.js";

const { config } = startShell();
const code = config.invite_code;
const path = `/api/invites/${encodeURIComponent(code)}`;

const els = {
  avatar: $("#invite-avatar"),
  name: $("#invite-name"),
  meta: $("#invite-meta"),
  error: $("#invite-error"),
  join: $("#invite-join"),
};

const REASONS = {
  not_found: gettext("This invite link does not exist."),
  invite_revoked: gettext("This invite link was revoked."),
  invite_expired: gettext("This invite link has expired."),
  invite_used_up: gettext("This invite link has been used up."),
  banned: gettext("You are banned from this group."),
  blocked: gettext("You cannot join through this link."),
  conversation_full: gettext("This group is full."),
};

function reason(error) {
  return REASONS[error?.data?.code] || error?.message || gettext("Something went wrong.");
}

function show(preview) {
  clear(els.avatar).append(conversationAvatar(preview, preview.name, { size: "lg" }));
  els.name.textContent = preview.name;
  const count = preview.member_count;
  els.meta.textContent = interpolate(
    preview.is_public
      ? ngettext("Public room · %(count)s member", "Public room · %(count)s members", count)
      : ngettext("Private group · %(count)s member", "Private group · %(count)s members", count),
    { count },
    true,
  );
  els.join.hidden = false;
  if (preview.is_member) {
    els.join.textContent = gettext("Open");
    els.join.onclick = () => window.location.assign(`/c/${preview.conversation_id}/`);
  } else {
    els.join.textContent = preview.is_full ? gettext("Full") : gettext("Join");
    els.join.disabled = preview.is_full;
    els.join.onclick = join;
  }
}

async function join() {
  els.join.disabled = true;
  els.error.textContent = "";
  try {
    const conversation = await api.post(`${path}/join`);
    window.location.assign(`/c/${conversation.id}/`);
  } catch (error) {
    els.error.textContent = reason(error);
    els.join.disabled = false;
  }
}

try {
  show(await api.get(path));
} catch (error) {
  els.name.textContent = gettext("Invitation");
  els.error.textContent = reason(error);
}
