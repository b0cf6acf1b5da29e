// Incoming webhooks in the Details dialog (admins; docs/api.md, "Webhooks and bots"):
// make one with a name, copy its URL (shown once: the server keeps only a hash of the
// secret), revoke one. A post through the URL arrives as its bot's message.

import { api } from "../../lib/api.js";
import { $, fullTime, h, toast } from "../../lib/dom.js";

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(gettext("URL copied."));
  } catch {
    toast(gettext("Select the URL and copy it."));
  }
}

function describe(webhook) {
  const used = webhook.last_used_at
    ? interpolate(gettext("last used %(time)s"), { time: fullTime(webhook.last_used_at) }, true)
    : gettext("never used");
  return `${webhook.prefix}… · ${used}`;
}

/** The section: the form, the URL just made (once), and the list with Revoke. */
export function webhooksSection(conversation) {
  const path = `/api/conversations/${conversation.id}/webhooks`;
  const list = h("ul", { class: "webhook-list", id: "webhook-list" });
  const fresh = h("div", { class: "webhook-fresh", id: "webhook-fresh", hidden: true });
  const name = h("input", {
    id: "webhook-name",
    type: "text",
    maxlength: "64",
    required: true,
    placeholder: gettext("Name, e.g. CI"),
    "aria-label": gettext("Webhook name"),
  });
  const form = h("form", { class: "webhook-form" }, name, h("button", { type: "submit", class: "small", text: gettext("Create webhook") }));
  const fail = (error) => {
    $("#details-error").textContent = error.message;
  };

  const showFresh = (webhook) => {
    const url = h("input", { type: "text", readonly: true, value: webhook.url, class: "webhook-url", id: "webhook-url", "aria-label": gettext("Webhook URL") });
    fresh.replaceChildren(
      h("p", { class: "muted", text: gettext("Copy this URL now: it is shown only once. Anyone who has it can post here.") }),
      h("div", { class: "webhook-url-row" },
        url,
        h("button", { type: "button", class: "small", text: gettext("Copy URL"), onclick: () => copy(webhook.url) }),
      ),
      h("p", { class: "muted" }, h("code", { text: `curl -X POST -H 'Content-Type: application/json' -d '{"text": "Hello"}' ${webhook.url}` })),
    );
    fresh.hidden = false;
    url.select();
  };

  const load = async () => {
    let webhooks = [];
    try {
      webhooks = await api.get(path);
    } catch (error) {
      fail(error);
    }
    list.replaceChildren();
    if (!webhooks.length) list.append(h("li", { class: "muted", text: gettext("No webhooks.") }));
    for (const webhook of webhooks) {
      list.append(h("li", { class: "webhook", dataset: { webhookId: String(webhook.id) } },
        h("span", { class: "person-name", text: webhook.name }),
        h("span", { class: "tag bot-tag", text: gettext("BOT") }),
        h("span", { class: "muted", text: describe(webhook) }),
        h("button", {
          type: "button",
          class: "small ghost",
          text: gettext("Revoke"),
          "aria-label": interpolate(gettext("Revoke webhook %(name)s"), { name: webhook.name }, true),
          onclick: async () => {
            if (!window.confirm(interpolate(gettext("Revoke %(name)s? Its URL stops working at once."), { name: webhook.name }, true))) return;
            try {
              await api.del(`${path}/${webhook.id}`);
              fresh.hidden = true;
              toast(gettext("Webhook revoked."));
              load();
            } catch (error) {
              fail(error);
            }
          },
        }),
      ));
    }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $("#details-error").textContent = "";
    try {
      const webhook = await api.post(path, { name: name.value });
      name.value = "";
      showFresh(webhook);
      toast(gettext("Webhook created."));
      load();
    } catch (error) {
      fail(error);
    }
  });
  load();
  return h("section", { class: "details-section webhooks" },
    h("h3", { text: gettext("Webhooks") }),
    h("p", { class: "muted", text: gettext("Let CI, alerts and scripts post here: they send JSON {\"text\": \"…\"} to the URL.") }),
    form, fresh, list);
}
