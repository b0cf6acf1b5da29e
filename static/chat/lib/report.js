// Reporting a message or a person to the moderators (docs/api.md, "Moderation — reports"):
// a dialog asks what is wrong (a reason from a short list, details in the reporter's own
// words), sends it, and confirms that it arrived. The server keeps a snapshot of a reported
// message's text, so an edit afterwards changes nothing for the moderators.

import { api } from "./api.js";
import { h, setupDialog } from "./dom.js";

const REASONS = [
  ["spam", gettext("Spam or scam")],
  ["harassment", gettext("Harassment or hate")],
  ["inappropriate", gettext("Violent, sexual or otherwise inappropriate")],
  ["impersonation", gettext("Pretending to be someone else")],
  ["other", gettext("Something else")],
];
const DETAILS_MAX = 900; // the reason is at most 1000 characters, the label included

let parts = null;
let target = null; // {kind: "message"|"user", id, opener}

function build() {
  const details = h("textarea", { id: "report-details", rows: "3", maxlength: String(DETAILS_MAX) });
  const error = h("p", { class: "form-error", role: "alert" });
  const title = h("h2", { id: "report-title" });
  const about = h("p", { class: "muted report-about" });
  const choices = h(
    "div",
    { class: "report-reasons" },
    REASONS.map(([value, label]) =>
      h(
        "div",
        { class: "field-inline" },
        h("input", { type: "radio", name: "reason", id: `report-reason-${value}`, value, required: true }),
        h("label", { for: `report-reason-${value}`, text: label }),
      ),
    ),
  );
  const form = h(
    "form",
    { class: "report-form", novalidate: true },
    title,
    about,
    h("fieldset", { class: "field" }, h("legend", { text: gettext("What is wrong?") }), choices),
    h("div", { class: "field" }, h("label", { for: "report-details", text: gettext("Details (optional)") }), details),
    error,
    h(
      "div",
      { class: "dialog-actions" },
      h("button", { type: "button", class: "ghost", "data-close": true, text: gettext("Cancel") }),
      h("button", { type: "submit", text: gettext("Send report") }),
    ),
  );
  const doneText = h("p", { id: "report-done-text" });
  const done = h(
    "div",
    { class: "report-done", hidden: true },
    h("h2", { id: "report-done-title", text: gettext("Report sent") }),
    doneText,
    h("div", { class: "dialog-actions" }, h("button", { type: "button", "data-close": true, text: gettext("Close") })),
  );
  const dialog = setupDialog(h("dialog", { class: "dialog report-dialog", id: "report-dialog", "aria-labelledby": "report-title" }, form, done));
  document.body.append(dialog);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  dialog.addEventListener("close", () => target?.opener?.isConnected && target.opener.focus());
  return { dialog, form, title, about, details, error, done, doneText };
}

async function send() {
  const chosen = parts.form.querySelector("input[name=reason]:checked");
  const extra = parts.details.value.trim();
  if (!chosen) {
    parts.error.textContent = gettext("Choose what is wrong.");
    parts.form.querySelector("input[name=reason]").focus();
    return;
  }
  if (chosen.value === "other" && !extra) {
    parts.error.textContent = gettext("Say in a few words what is wrong.");
    parts.details.focus();
    return;
  }
  const label = REASONS.find(([value]) => value === chosen.value)[1];
  const reason = extra ? `${label}: ${extra}` : label;
  const path = target.kind === "message" ? `/api/messages/${target.id}/report` : `/api/users/${target.id}/report`;
  const button = parts.form.querySelector("button[type=submit]");
  button.disabled = true;
  parts.error.textContent = "";
  try {
    await api.post(path, { reason });
    parts.form.hidden = true;
    parts.done.hidden = false;
    parts.dialog.setAttribute("aria-labelledby", "report-done-title");
    parts.doneText.textContent = gettext("Thank you. The moderators will look at it; nobody is told who reported it.");
    parts.done.querySelector("button").focus();
  } catch (error) {
    parts.error.textContent = error.status === 409 ? gettext("You have already reported this; the moderators have not decided yet.") : error.message;
  } finally {
    button.disabled = false;
  }
}

/**
 * Ask why, then report. `kind` is "message" or "user", `id` its id; `about` says what is
 * reported ("Bob's message: …", "Bob (@bob)"); focus goes back to `opener` afterwards.
 */
export function openReport({ kind, id, about, opener = document.activeElement }) {
  parts ||= build();
  target = { kind, id, opener };
  parts.form.reset();
  parts.form.hidden = false;
  parts.done.hidden = true;
  parts.error.textContent = "";
  parts.dialog.setAttribute("aria-labelledby", "report-title");
  parts.title.textContent = kind === "message" ? gettext("Report a message") : gettext("Report a person");
  parts.about.textContent = about || "";
  parts.dialog.showModal();
  parts.form.querySelector("input[name=reason]").focus();
}
