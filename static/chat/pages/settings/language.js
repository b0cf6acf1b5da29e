// The settings page's language choice: saved on the user (PATCH /api/auth/me), then the
// page reloads in it, as every later page will (the server applies it on each request).

import { api } from "../../lib/api.js";
import { $ } from "../../lib/dom.js";

const select = $("#language-select");
const status = $("#language-status");
const error = $("#language-error");

select?.addEventListener("change", async () => {
  select.disabled = true;
  status.textContent = gettext("Saving…");
  error.textContent = "";
  try {
    await api.patch("/api/auth/me", { language: select.value });
    window.location.reload();
  } catch (failure) {
    status.textContent = "";
    error.textContent = failure.data?.language?.join(" ") || failure.message;
    select.disabled = false;
  }
});
