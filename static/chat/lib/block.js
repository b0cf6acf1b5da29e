// Blocking and unblocking anyone by id (docs/api.md, Friends: a block ends a friendship and
// pending requests; the blocked person can no longer send direct messages, requests or
// invitations, and neither sees the other's presence). Every place that offers it — a
// message's menu, a member list, a friend request, the profile card — asks the same
// question and tells the rest of the page through a "blocks:changed" event.

import { api } from "./api.js";
import { personName } from "./avatar.js";
import { toast } from "./dom.js";

function changed(userId, blocked) {
  document.dispatchEvent(new CustomEvent("blocks:changed", { detail: { userId, blocked } }));
}

/** Ask, then block `person` ({id, username, display_name}); true if they are blocked now. */
export async function blockPerson(person) {
  const name = personName(person);
  const question = interpolate(
    gettext("Block %(name)s? They will no longer be able to message you or send you friend requests, and if you are friends, you will not be any more."),
    { name },
    true,
  );
  if (!window.confirm(question)) return false;
  try {
    await api.post(`/api/users/${person.id}/block`);
  } catch (error) {
    toast(error.message, "error");
    return false;
  }
  toast(interpolate(gettext("%(name)s is blocked."), { name }, true));
  changed(person.id, true);
  return true;
}

/** Unblock `person`; true if that worked. The friendship a block ended does not come back. */
export async function unblockPerson(person) {
  const name = personName(person);
  try {
    await api.del(`/api/users/${person.id}/block`);
  } catch (error) {
    toast(error.message, "error");
    return false;
  }
  toast(interpolate(gettext("%(name)s is unblocked. You are no longer friends: send a new friend request to chat again."), { name }, true));
  changed(person.id, false);
  return true;
}
