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
  not_found: "This invite link does not exist.",
  invite_revoked: "This invite link was revoked.",
  invite_expired: "This invite link has expired.",
  invite_used_up: "This invite link has been used up.",
  banned: "You are banned from this group.",
  blocked: "You cannot join through this link.",
  conversation_full: "This group is full.",
};

function reason(error) {
  return REASONS[error?.data?.code] || error?.message || "Something went wrong.";
}

function show(preview) {
  clear(els.avatar).append(conversationAvatar(preview, preview.name, { size: "lg" }));
  els.name.textContent = preview.name;
  const members = `${preview.member_count} member${preview.member_count === 1 ? "" : "s"}`;
  els.meta.textContent = `${preview.is_public ? "Public room" : "Private group"} · ${members}`;
  els.join.hidden = false;
  if (preview.is_member) {
    els.join.textContent = "Open";
    els.join.onclick = () => window.location.assign(`/c/${preview.conversation_id}/`);
  } else {
    els.join.textContent = preview.is_full ? "Full" : "Join";
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
  els.name.textContent = "Invitation";
  els.error.textContent = reason(error);
}
