// The friends page: friends with presence and avatars, incoming and outgoing requests,
// add by username with search-as-you-type over /api/users, unfriend, block and unblock
// (a friend, or whoever sent a request); a name opens the profile card.

import { api } from "../lib/api.js";
import { personAvatar } from "../lib/avatar.js";
import { $, clear, h, toast } from "../lib/dom.js";
import { blockPerson } from "../lib/block.js";
import { openProfileCard } from "../lib/profile_card.js";
import { presenceText, startShell } from "../lib/shell.js";

const app = startShell();
const { socket, presence } = app;

const els = {
  form: $("#add-friend-form"),
  input: $("#add-friend-input"),
  suggestions: $("#user-suggestions"),
  status: $("#add-friend-status"),
};

const data = { friends: [], incoming: [], outgoing: [], blocked: [] };

const nameOf = (person) => (person ? person.display_name || person.username : "?");

/** A person row; `status` is a presence status ("online", "offline", "unknown") or null. */
function person(user, { status = null, extra = [] } = {}, ...actions) {
  return h(
    "li",
    { class: "person", dataset: { userId: String(user.id), username: user.username } },
    personAvatar(user, { size: "sm", extra: status === null ? null : h("span", { class: `dot ${status}` }) }),
    h(
      "span",
      { class: "person-name" },
      h("button", { type: "button", class: "person-link name", text: nameOf(user), onclick: (event) => openProfileCard(user.id, { opener: event.currentTarget, presence }) }),
      user.display_name ? h("span", { class: "muted", text: `@${user.username}` }) : null,
      status === null ? null : h("span", { class: `presence ${status}`, text: presenceText(status).toLowerCase() }),
      ...extra,
    ),
    h("span", { class: "person-actions" }, ...actions),
  );
}

function button(text, onclick, cls = "small", label = null) {
  return h("button", { type: "button", class: cls, text, onclick, "aria-label": label });
}

async function run(action, success) {
  try {
    await action();
    if (success) toast(success);
  } catch (error) {
    toast(error.message, "error");
  }
  await refresh();
  app.bell.refresh();
}

async function messageFriend(friend) {
  try {
    const conversation = await api.post("/api/conversations", { type: "direct", member_user_ids: [friend.id] });
    window.location.assign(`/c/${conversation.id}/`);
  } catch (error) {
    toast(error.message, "error");
  }
}

function render() {
  const lists = {
    friends: clear($("#friends-list")),
    incoming: clear($("#incoming-list")),
    outgoing: clear($("#outgoing-list")),
    blocked: clear($("#blocked-list")),
  };
  const sorted = [...data.friends].sort(
    (a, b) => Number(presence.has(b.id)) - Number(presence.has(a.id)) || nameOf(a).localeCompare(nameOf(b)),
  );
  for (const friend of sorted) {
    const label = nameOf(friend);
    lists.friends.append(
      person(
        friend,
        { status: presence.status(friend.id) },
        button(gettext("Message"), () => messageFriend(friend), "small", interpolate(gettext("Message %(name)s"), { name: label }, true)),
        button(gettext("Unfriend"), () => confirm(interpolate(gettext("Remove %(name)s from your friends?"), { name: label }, true)) && run(() => api.del(`/api/friends/${friend.id}`), gettext("Friend removed.")), "small ghost", interpolate(gettext("Unfriend %(name)s"), { name: label }, true)),
        button(gettext("Block"), () => confirm(interpolate(gettext("Block %(name)s? You will no longer be friends."), { name: label }, true)) && run(() => api.post(`/api/users/${friend.id}/block`), interpolate(gettext("%(name)s is blocked."), { name: label }, true)), "small ghost danger-text", interpolate(gettext("Block %(name)s"), { name: label }, true)),
      ),
    );
  }
  for (const request of data.incoming) {
    const who = request.requester;
    lists.incoming.append(
      person(
        who,
        {},
        button(gettext("Accept"), () => run(() => api.post(`/api/friends/requests/${request.id}/accept`), interpolate(gettext("You and %(name)s are now friends."), { name: who.username }, true)), "small", interpolate(gettext("Accept %(name)s"), { name: who.username }, true)),
        button(gettext("Reject"), () => run(() => api.post(`/api/friends/requests/${request.id}/reject`), gettext("Request rejected.")), "small ghost", interpolate(gettext("Reject %(name)s"), { name: who.username }, true)),
        // Anyone who asks can be blocked, friend or not (the block ends the request).
        button(gettext("Block"), async () => (await blockPerson(who)) && refresh(), "small ghost danger-text", interpolate(gettext("Block %(name)s"), { name: who.username }, true)),
      ),
    );
  }
  for (const request of data.outgoing) {
    const who = request.receiver;
    lists.outgoing.append(
      person(
        who,
        { extra: [h("span", { class: "muted", text: gettext("waiting for an answer") })] },
        button(gettext("Cancel"), () => run(() => api.del(`/api/friends/requests/${request.id}`), gettext("Request cancelled.")), "small ghost", interpolate(gettext("Cancel request to %(name)s"), { name: who.username }, true)),
      ),
    );
  }
  for (const user of data.blocked) {
    lists.blocked.append(
      person(
        user,
        {},
        button(
          gettext("Unblock"),
          // Blocking ended any friendship for good: say so, or people wait for it to come back.
          () => run(() => api.del(`/api/users/${user.id}/block`), interpolate(gettext("%(name)s is unblocked. You are no longer friends: send a new friend request to chat again."), { name: nameOf(user) }, true)),
          "small ghost",
          interpolate(gettext("Unblock %(name)s"), { name: user.username }, true),
        ),
      ),
    );
  }
  $("#friends-empty").hidden = data.friends.length > 0;
  $("#incoming-empty").hidden = data.incoming.length > 0;
  $("#outgoing-empty").hidden = data.outgoing.length > 0;
  $("#blocked-empty").hidden = data.blocked.length > 0;
  const count = $("#incoming-count");
  count.hidden = data.incoming.length === 0;
  count.textContent = String(data.incoming.length);
}

async function refresh() {
  const [friends, incoming, outgoing, blocked] = await Promise.allSettled([
    api.get("/api/friends"),
    api.get("/api/friends/requests", { direction: "incoming" }),
    api.get("/api/friends/requests", { direction: "outgoing" }),
    api.get("/api/blocks"),
  ]);
  const value = (result) => (result.status === "fulfilled" && Array.isArray(result.value) ? result.value : []);
  data.friends = value(friends);
  data.incoming = value(incoming);
  data.outgoing = value(outgoing);
  data.blocked = value(blocked);
  if (friends.status === "fulfilled") presence.replace(data.friends.filter((f) => f.is_online).map((f) => f.id), data.friends);
  render();
}

// --- Add a friend, with suggestions ----------------------------------------------------

let searchTimer = null;
let searchSeq = 0;
let activeIndex = -1;

function hideSuggestions() {
  els.suggestions.hidden = true;
  els.input.setAttribute("aria-expanded", "false");
  els.input.removeAttribute("aria-activedescendant");
  activeIndex = -1;
}

function choose(user) {
  els.input.value = user.username;
  hideSuggestions();
  els.input.focus();
}

async function search(text) {
  const seq = ++searchSeq;
  let users = [];
  try {
    users = await api.get("/api/users", { search: text });
  } catch {
    return;
  }
  if (seq !== searchSeq || els.input.value.trim() !== text) return; // a newer search won
  clear(els.suggestions);
  activeIndex = -1;
  users.forEach((user, index) => {
    els.suggestions.append(
      h(
        "li",
        {
          role: "option",
          id: `suggestion-${index}`,
          class: "suggestion",
          dataset: { username: user.username },
          onmousedown: (event) => {
            event.preventDefault();
            choose(user);
          },
        },
        personAvatar(user, { size: "xs" }),
        h("strong", { text: user.username }),
        user.display_name ? h("span", { class: "muted", text: ` ${user.display_name}` }) : null,
        data.friends.some((f) => f.id === user.id) ? h("span", { class: "tag", text: gettext("friend") }) : null,
      ),
    );
  });
  els.suggestions.hidden = users.length === 0;
  els.input.setAttribute("aria-expanded", String(users.length > 0));
}

els.input.addEventListener("input", () => {
  clearTimeout(searchTimer);
  const text = els.input.value.trim();
  if (!text) return hideSuggestions();
  searchTimer = setTimeout(() => search(text), 150);
});
els.input.addEventListener("keydown", (event) => {
  const options = [...els.suggestions.querySelectorAll("[role=option]")];
  if (els.suggestions.hidden || !options.length) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    activeIndex = (activeIndex + (event.key === "ArrowDown" ? 1 : -1) + options.length) % options.length;
    options.forEach((o, i) => o.setAttribute("aria-selected", String(i === activeIndex)));
    els.input.setAttribute("aria-activedescendant", options[activeIndex].id);
  } else if (event.key === "Enter" && activeIndex >= 0) {
    event.preventDefault();
    els.input.value = options[activeIndex].dataset.username;
    hideSuggestions();
  } else if (event.key === "Escape") {
    hideSuggestions();
  }
});
els.input.addEventListener("blur", () => setTimeout(hideSuggestions, 100));

els.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = els.input.value.trim();
  if (!username) return;
  clearTimeout(searchTimer);
  searchSeq += 1; // a search still in flight must not reopen the list
  hideSuggestions();
  els.status.className = "form-status";
  try {
    const result = await api.post("/api/friends/request", { username });
    // Not the answer's English `message`: it asked someone who had asked us, or it did not.
    els.status.textContent = result?.request?.status === "accepted" ? gettext("Friend request accepted.") : gettext("Friend request sent.");
    els.input.value = "";
  } catch (error) {
    els.status.textContent = error.message;
    els.status.classList.add("form-error");
  }
  refresh();
  app.bell.refresh();
});

// --- Live ----------------------------------------------------------------------------------

// A friendship ended by the other side (unfriend, block, a deleted account) or a request
// withdrawn shows at once, like one that starts.
for (const type of ["friend_request", "friend_request_accepted", "friend_removed", "friend_request_cancelled", "connected"]) {
  socket.on(type, () => refresh());
}
document.addEventListener("friends:changed", () => refresh());
document.addEventListener("blocks:changed", () => refresh());
// A new name or picture shows at once wherever the person is listed.
socket.on("user_updated", ({ user }) => {
  if (!user) return;
  const people = [...data.friends, ...data.blocked, ...data.incoming.map((r) => r.requester), ...data.outgoing.map((r) => r.receiver)];
  const fields = ["username", "display_name", "avatar_url", "avatar_thumbnail_url"].filter((f) => user[f] !== undefined);
  let found = false;
  for (const person of people) {
    if (person?.id !== user.id) continue;
    fields.forEach((field) => (person[field] = user[field]));
    found = true;
  }
  if (found) render();
});
presence.addEventListener("change", render);

app.friends = { refresh, data };
refresh();
