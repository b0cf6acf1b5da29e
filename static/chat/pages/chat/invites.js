// Invite links in the Details dialog (admins): make one with an expiry and a use limit,
// copy it, revoke it. Joining is the /invite/<code>/ page's (pages/invite.js).

import { api } from "../../lib/api.js";
import { $, fullTime, h, toast } from "../../lib/dom.js";

const EXPIRIES = [
  ["", gettext("Never expires")],
  ["3600", gettext("1 hour")],
  ["86400", gettext("1 day")],
  ["604800", gettext("7 days")],
];

function describe(invite) {
  const uses = invite.max_uses
    ? interpolate(ngettext("%(uses)s of %(max)s use", "%(uses)s of %(max)s uses", invite.max_uses), { uses: invite.uses, max: invite.max_uses }, true)
    : interpolate(ngettext("%(uses)s use", "%(uses)s uses", invite.uses), { uses: invite.uses }, true);
  const until = invite.expires_at ? interpolate(gettext("until %(time)s"), { time: fullTime(invite.expires_at) }, true) : gettext("no expiry");
  return `${uses} · ${until}`;
}

export function invitesSection(conversation) {
  const path = `/api/conversations/${conversation.id}/invites`;
  const list = h("ul", { class: "invite-list", id: "invite-list" });
  const expiry = h("select", { id: "invite-expiry", "aria-label": gettext("Link expires") }, EXPIRIES.map(([value, text]) => h("option", { value, text })));
  const uses = h("input", { id: "invite-uses", type: "number", min: "1", max: "1000", placeholder: gettext("Any number of uses"), "aria-label": gettext("Use limit") });
  const form = h("form", { class: "invite-form" }, expiry, uses, h("button", { type: "submit", class: "small", text: gettext("Create link") }));
  const load = async () => {
    list.replaceChildren();
    let invites = [];
    try {
      invites = await api.get(path);
    } catch (error) {
      $("#details-error").textContent = error.message;
    }
    if (!invites.length) list.append(h("li", { class: "muted", text: gettext("No invite links.") }));
    for (const invite of invites) {
      list.append(h("li", { class: "invite", dataset: { code: invite.code } },
        h("input", { type: "text", readonly: true, value: invite.url, class: "invite-url", "aria-label": gettext("Invite link") }),
        h("span", { class: "muted", text: describe(invite) }),
        h("button", { type: "button", class: "small ghost", text: gettext("Copy"), onclick: async () => {
          try {
            await navigator.clipboard.writeText(invite.url);
            toast(gettext("Link copied."));
          } catch {
            toast(gettext("Select the link and copy it."));
          }
        } }),
        h("button", { type: "button", class: "small ghost", text: gettext("Revoke"), "aria-label": interpolate(gettext("Revoke link %(code)s"), { code: invite.code }, true), onclick: async () => {
          try {
            await api.del(`${path}/${invite.code}`);
            load();
          } catch (error) {
            $("#details-error").textContent = error.message;
          }
        } }),
      ));
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { expires_in: expiry.value ? Number(expiry.value) : null, max_uses: uses.value ? Number(uses.value) : null };
    try {
      await api.post(path, body);
      toast(gettext("Invite link created."));
      load();
    } catch (error) {
      $("#details-error").textContent = error.message;
    }
  });
  load();
  return h("section", { class: "details-section" }, h("h3", { text: gettext("Invite links") }), form, list);
}
