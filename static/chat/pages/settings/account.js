// The settings page's "Leaving" sections: request a data export and download it when the
// server says it is ready (`export_ready` on the socket; a slow poll as a fallback), and
// delete the account behind a dialog that asks for the password. Two-factor sign-in has
// its own page; this only says whether it is on.

import { api } from "../../lib/api.js";
import { $, h, setupDialog } from "../../lib/dom.js";
import { fullTime, longDate } from "../../lib/i18n.js";

function sizeText(bytes) {
  if (bytes === null || bytes === undefined) return "";
  if (bytes < 1024) return interpolate(gettext("%(n)s bytes"), { n: bytes }, true);
  if (bytes < 1024 * 1024) return interpolate(gettext("%(n)s KB"), { n: (bytes / 1024).toFixed(1) }, true);
  return interpolate(gettext("%(n)s MB"), { n: (bytes / 1024 / 1024).toFixed(1) }, true);
}

function statusText(exp) {
  switch (exp.status) {
    case "pending":
      return gettext("Being prepared…");
    case "ready":
      return interpolate(gettext("Ready until %(date)s"), { date: longDate(exp.expires_at) }, true);
    case "failed":
      return gettext("Failed. Please try again.");
    default:
      return gettext("Expired");
  }
}

function exportRow(exp) {
  const when = fullTime(exp.created_at);
  const parts = [h("span", { class: "export-when", text: when }), " · ", h("span", { class: "export-state", text: statusText(exp) })];
  if (exp.status === "ready" && exp.download_url) {
    parts.push(" · ", h("a", { href: exp.download_url, class: "export-download", download: "", text: interpolate(gettext("Download (%(size)s)"), { size: sizeText(exp.size) }, true) }));
  }
  return h("li", { "data-export": String(exp.id), "data-status": exp.status }, ...parts);
}

export function startAccountSection(app) {
  const list = $("#export-list");
  const button = $("#export-request");
  const status = $("#export-status");
  if (!list || !button) return;
  let poll = null;

  async function refresh() {
    try {
      const exports = await api.get("/api/account/exports");
      list.replaceChildren(...exports.map(exportRow));
      const pending = exports.some((exp) => exp.status === "pending");
      button.disabled = pending;
      if (pending && !poll) poll = setInterval(refresh, 5000);
      if (!pending && poll) {
        clearInterval(poll);
        poll = null;
      }
    } catch (error) {
      status.textContent = error.message;
    }
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = gettext("Preparing your data…");
    try {
      const exp = await api.post("/api/account/export");
      status.textContent = exp.status === "ready" ? gettext("Your data is ready.") : gettext("We'll tell you when it is ready.");
    } catch (error) {
      status.textContent = error.message;
    }
    refresh();
  });

  app.socket.on("export_ready", ({ export: exp }) => {
    status.textContent = exp.status === "ready" ? gettext("Your data is ready.") : gettext("The export failed. Please try again.");
    refresh();
  });
  refresh();

  const dialog = setupDialog($("#delete-dialog"));
  const password = $("#delete-password");
  const error = $("#delete-error");
  $("#delete-open").addEventListener("click", () => {
    password.value = "";
    error.textContent = "";
    dialog.showModal();
    password.focus();
  });
  $("#delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!password.value) {
      error.textContent = gettext("Type your password.");
      return;
    }
    const confirm = $("#delete-confirm");
    confirm.disabled = true;
    try {
      // Stopped first: the server closes our socket as the deletion commits, and the
      // shell would otherwise race us to the login page (without the goodbye).
      app.socket.stop();
      await api.post("/api/account/delete", { password: password.value });
      window.location.assign("/accounts/login/?deleted=1");
    } catch (err) {
      error.textContent = err.status === 400 ? gettext("The password is incorrect.") : err.message;
      confirm.disabled = false;
      app.socket.setState("paused"); // as after a session check that holds: start again
      app.socket.start();
    }
  });

  const twoFactor = $("#two-factor-status");
  if (twoFactor) {
    api.get("/api/auth/two-factor").then(
      (state) => {
        twoFactor.textContent = state.enabled
          ? gettext("On: logging in asks for a code from your authenticator app.")
          : gettext("Off: logging in needs only your password.");
      },
      () => {},
    );
  }
}
