// Your status, in the top bar of every page: a dot (green online, yellow away, red do not
// disturb, grey invisible) on a button that opens the picker. "Online" is automatic: after
// IDLE_MINUTES without input (a hidden tab gets none) this tab reports `idle` over the
// socket and friends see "away" until the next input. Do not disturb silences every
// notification (the server marks no message `alert`, and sends no push or email).

import { api } from "./api.js";
import { h, toast } from "./dom.js";
import { togglePopupMenu } from "./popup_menu.js";

const IDLE_MINUTES = 5;
const INPUTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "focus"];

const CHOICES = [
  { value: "online", label: () => gettext("Online (away when idle)") },
  { value: "away", label: () => gettext("Away") },
  { value: "dnd", label: () => gettext("Do not disturb") },
  { value: "invisible", label: () => gettext("Invisible (appear offline)") },
];

function dotOf(own) {
  if (own.status === "invisible") return "invisible";
  if (own.status === "dnd") return "dnd";
  return own.status === "away" || own.idle ? "away" : "online";
}

function labelOf(own) {
  return {
    online: gettext("Online"),
    away: gettext("Away"),
    dnd: gettext("Do not disturb"),
    invisible: gettext("Invisible"),
  }[dotOf(own)];
}

/** Start the picker and the idle watch; returns `{own, isDnd()}` (what the page knows). */
export function startStatusPicker(socket, { idleMinutes = IDLE_MINUTES } = {}) {
  const own = { status: "online", idle: false };
  const menuBox = document.querySelector(".usermenu");
  const dot = h("span", { class: "dot online", "aria-hidden": "true" });
  const label = h("span", { class: "visually-hidden" });
  const button = h("button", { type: "button", class: "icon-button status-button", id: "status-button", "aria-haspopup": "menu", "aria-expanded": "false" }, dot, label);
  menuBox?.prepend(button);

  const render = () => {
    dot.className = `dot ${dotOf(own)}`;
    const text = interpolate(gettext("Your status: %(status)s"), { status: labelOf(own) }, true);
    label.textContent = text;
    button.title = text;
    document.body.dataset.myStatus = own.status;
  };
  const apply = (body) => {
    if (!body) return;
    own.status = body.status ?? own.status;
    own.idle = body.idle ?? own.idle;
    render();
  };
  const choose = async (value) => {
    try {
      apply(await api.put("/api/users/me/status", { status: value }));
    } catch (error) {
      toast(error.message, "error");
    }
  };
  button.addEventListener("click", () =>
    togglePopupMenu(
      button,
      CHOICES.map((choice) => ({ id: choice.value, label: choice.label(), checked: own.status === choice.value, onSelect: () => choose(choice.value) })),
      { label: gettext("Set your status"), className: "status-menu" },
    ),
  );
  socket.on("status_changed", apply);
  socket.on("connected", () => api.get("/api/users/me/status").then(apply, () => {}));
  render();

  // Automatic away: this tab's inputs.
  let lastInput = Date.now();
  const report = (idle) => {
    if (own.idle === idle) return;
    own.idle = idle;
    render();
    socket.send({ type: "set_status", idle });
  };
  const onInput = () => {
    lastInput = Date.now();
    if (own.idle) report(false);
  };
  for (const kind of INPUTS) window.addEventListener(kind, onInput, { passive: true, capture: true });
  setInterval(() => {
    if (!own.idle && Date.now() - lastInput > idleMinutes * 60000) report(true);
  }, 15000);

  return { own, isDnd: () => own.status === "dnd", choose };
}
