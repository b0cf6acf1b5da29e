// The settings page's "Email notifications" section: one switch, saved as soon as it
// changes (PATCH /api/auth/me {email_digest}); on failure it goes back and says why.

import { api } from "../../lib/api.js";
import { $ } from "../../lib/dom.js";

export function startEmailNotifications() {
  const box = $("#email-digest");
  if (!box) return;
  const status = $("#email-digest-status");
  const error = $("#email-digest-error");
  box.addEventListener("change", async () => {
    const wanted = box.checked;
    box.disabled = true;
    status.textContent = "";
    error.textContent = "";
    try {
      const me = await api.patch("/api/auth/me", { email_digest: wanted });
      box.checked = Boolean(me.email_digest);
      status.textContent = box.checked
        ? gettext("Unread messages will be emailed to you.")
        : gettext("No more emails about unread messages.");
    } catch (err) {
      box.checked = !wanted;
      error.textContent = gettext("Could not save this setting. Try again.");
    } finally {
      box.disabled = false;
    }
  });
}
