// The public-room directory: search, preview (recent messages with their attachments),
// member count, "full" state and join. Rooms show their avatar when they have one.

import { api, ApiError } from "../lib/api.js";
import { attachmentsElement } from "../lib/attachments.js";
import { conversationAvatar, personAvatar } from "../lib/avatar.js";
import { $, clear, h, linkify, setupDialog, shortTime, toast } from "../lib/dom.js";
import { richText } from "../lib/rich_text.js";
import { startShell } from "../lib/shell.js";
import { openViewer } from "../lib/viewer.js";

const app = startShell();
const PAGE = 30;

const els = {
  search: $("#room-search"),
  list: $("#room-list"),
  empty: $("#room-empty"),
  count: $("#room-count"),
  more: $("#room-more"),
  preview: setupDialog($("#preview-dialog")),
};

let query = "";
let offset = 0;
let total = 0;
let seq = 0;
let myConversationIds = new Set();

async function loadMine() {
  try {
    myConversationIds = new Set((await api.get("/api/conversations")).map((c) => c.id));
  } catch {
    myConversationIds = new Set();
  }
}

function roomCard(room) {
  const member = myConversationIds.has(room.id);
  const capacity = room.max_participants ? `${room.member_count} / ${room.max_participants}` : `${room.member_count}`;
  let action;
  if (member) action = h("a", { class: "button small", href: `/c/${room.id}/`, text: gettext("Open") });
  else if (room.is_full) action = h("button", { type: "button", class: "small", disabled: true, text: gettext("Full") });
  else action = h("button", { type: "button", class: "small", text: gettext("Join"), onclick: () => join(room), "aria-label": interpolate(gettext("Join %(name)s"), { name: room.name }, true) });
  return h(
    "li",
    { class: `room card${room.is_full ? " is-full" : ""}`, dataset: { id: String(room.id) } },
    h("div", { class: "room-head" }, conversationAvatar(room, room.name), h("h2", { class: "room-name", text: room.name })),
    room.description ? h("p", { class: "room-description", text: room.description }) : h("p", { class: "room-description muted", text: gettext("No description.") }),
    h(
      "p",
      { class: "room-meta muted" },
      h("span", { text: interpolate(ngettext("%(count)s member", "%(count)s members", room.max_participants || room.member_count), { count: capacity }, true) }),
      room.is_full ? h("span", { class: "tag tag-warn", text: gettext("full") }) : null,
      member ? h("span", { class: "tag", text: gettext("joined") }) : null,
      room.last_activity ? h("span", { text: interpolate(gettext("active %(time)s"), { time: shortTime(room.last_activity) }, true) }) : null,
    ),
    h(
      "div",
      { class: "room-actions" },
      h("button", { type: "button", class: "small ghost", text: gettext("Preview"), onclick: () => preview(room), "aria-label": interpolate(gettext("Preview %(name)s"), { name: room.name }, true) }),
      action,
    ),
  );
}

async function load({ append = false } = {}) {
  const mySeq = ++seq;
  if (!append) offset = 0;
  let rooms;
  let response;
  try {
    const url = new URL("/api/conversations/public", location.origin);
    if (query) url.searchParams.set("search", query);
    url.searchParams.set("limit", PAGE);
    url.searchParams.set("offset", offset);
    response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    rooms = await response.json();
  } catch (error) {
    els.count.textContent = interpolate(gettext("Could not load rooms: %(error)s"), { error: error.message }, true);
    return;
  }
  if (mySeq !== seq) return;
  total = Number(response.headers.get("X-Total-Count") ?? rooms.length);
  if (!append) clear(els.list);
  rooms.forEach((room) => els.list.append(roomCard(room)));
  offset += rooms.length;
  els.empty.hidden = offset > 0;
  if (!total) els.count.textContent = "";
  else if (query) els.count.textContent = interpolate(ngettext("%(count)s public room matching “%(query)s”", "%(count)s public rooms matching “%(query)s”", total), { count: total, query }, true);
  else els.count.textContent = interpolate(ngettext("%(count)s public room", "%(count)s public rooms", total), { count: total }, true);
  els.more.hidden = offset >= total || rooms.length === 0;
}

async function join(room) {
  try {
    const conversation = await api.post(`/api/conversations/${room.id}/join`);
    window.location.assign(`/c/${conversation?.id ?? room.id}/`);
  } catch (error) {
    toast(error.status === 409 ? gettext("This room is full.") : error.message, "error");
    load();
  }
}

async function preview(room) {
  $("#preview-title").textContent = room.name;
  $("#preview-description").textContent = room.description || "";
  $("#preview-meta").textContent = "";
  $("#preview-error").textContent = "";
  const list = clear($("#preview-messages"));
  const joinButton = $("#preview-join");
  const member = myConversationIds.has(room.id);
  joinButton.textContent = member ? gettext("Open") : room.is_full ? gettext("Full") : gettext("Join");
  joinButton.disabled = !member && room.is_full;
  joinButton.onclick = () => (member ? window.location.assign(`/c/${room.id}/`) : join(room));
  els.preview.showModal();
  try {
    const data = await api.get(`/api/conversations/${room.id}/preview`);
    const members = interpolate(ngettext("%(count)s member", "%(count)s members", data.member_count), { count: data.member_count }, true);
    const limit = data.max_participants ? ` ${interpolate(gettext("(limit %(limit)s)"), { limit: data.max_participants }, true)}` : "";
    $("#preview-meta").textContent = `${members}${limit}${data.is_full ? ` · ${gettext("full")}` : ""}`;
    const messages = data.recent_messages || [];
    previewAttachments = new Map(messages.flatMap((m) => m.attachments || []).map((a) => [a.id, a]));
    if (!messages.length) list.append(h("li", { class: "muted", text: gettext("No messages yet.") }));
    for (const message of messages) {
      list.append(
        h(
          "li",
          { class: `msg${message.is_deleted ? " is-deleted" : ""}` },
          personAvatar(message.sender || { username: message.sender_username }, { size: "sm", className: "msg-avatar" }),
          h(
            "div",
            { class: "msg-bubble" },
            h("div", { class: "msg-meta" }, h("span", { class: "msg-author", text: message.sender_username }), h("time", { text: shortTime(message.created_at) })),
            message.is_deleted
              ? h("div", { class: "msg-body deleted", text: gettext("This message was deleted.") })
              : typeof message.content_html === "string"
                ? h("div", { class: "msg-body rich" }, richText(message.content_html, { meId: app.me?.id }))
                : h("div", { class: "msg-body" }, linkify(message.content || "")),
            message.is_deleted ? null : attachmentsElement(message.attachments),
          ),
        ),
      );
    }
  } catch (error) {
    $("#preview-error").textContent = error.message;
  }
}

let previewAttachments = new Map(); // attachment id -> attachment, of the preview on screen

// A thumbnail in the preview opens the viewer over the preview's images.
$("#preview-messages").addEventListener("click", (event) => {
  const thumb = event.target.closest(".att-image");
  if (!thumb) return;
  const buttons = [...$("#preview-messages").querySelectorAll(".att-image")];
  const images = buttons.map((b) => previewAttachments.get(Number(b.dataset.attachmentId))).filter(Boolean);
  const index = images.findIndex((a) => a.id === Number(thumb.dataset.attachmentId));
  if (index >= 0) openViewer(images, index, { opener: thumb });
});

let searchTimer = null;
els.search.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    query = els.search.value.trim();
    load();
  }, 200);
});
$("#room-search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  query = els.search.value.trim();
  load();
});
els.more.addEventListener("click", () => load({ append: true }));

app.rooms = { load };
loadMine().then(() => load());
