// Desktop notifications and the unread badge of the tab.
//
// Whether a message alerts is the server's decision (`alert` on `new_message`: your level,
// mute and do not disturb — docs/api.md); this module only shows it, and only while the
// tab is hidden. Permission is asked from the settings page, never on page load.

const ICON = document.querySelector("link[rel~='icon']")?.getAttribute("href") || "/static/chat/icon.svg";

export function notificationsSupported() {
  return "Notification" in window;
}

/** "granted", "denied", "default" or "unsupported". */
export function notificationPermission() {
  return notificationsSupported() ? Notification.permission : "unsupported";
}

/** Ask the browser (call it from a click). Resolves to the new permission. */
export async function requestNotificationPermission() {
  if (!notificationsSupported()) return "unsupported";
  return Notification.requestPermission();
}

/**
 * Show a notification when the tab is hidden and permission is granted; clicking it
 * focuses the tab and runs `onClick`. Returns the Notification, or null.
 */
export function notifyDesktop(title, { body = "", tag = undefined, onClick = null } = {}) {
  if (document.visibilityState !== "hidden" || notificationPermission() !== "granted") return null;
  let notification;
  try {
    notification = new Notification(title, { body, tag, icon: ICON });
  } catch {
    return null; // some browsers only allow notifications from a service worker
  }
  notification.onclick = (event) => {
    event.preventDefault?.();
    window.focus();
    notification.close();
    onClick?.();
  };
  return notification;
}

// --- The tab's badge ----------------------------------------------------------------------

let baseIcon = null;
let shownCount = -1;

function iconLink() {
  let link = document.querySelector("link[rel~='icon']");
  if (!link) {
    link = document.createElement("link");
    link.rel = "icon";
    document.head.append(link);
  }
  return link;
}

function loadBase() {
  if (!baseIcon) {
    baseIcon = new Promise((resolve) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = () => resolve(null);
      image.src = ICON;
    });
  }
  return baseIcon;
}

/** Draw `count` (0: none) on the favicon. */
export async function setFaviconBadge(count) {
  if (count === shownCount) return;
  shownCount = count;
  const link = iconLink();
  link.dataset.count = String(count);
  if (!count) {
    link.type = "image/svg+xml";
    link.href = ICON;
    return;
  }
  const image = await loadBase();
  if (shownCount !== count) return; // a newer count came meanwhile
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const context = canvas.getContext("2d");
  if (image) context.drawImage(image, 0, 0, 64, 64);
  context.fillStyle = "#d93025";
  context.beginPath();
  context.arc(44, 20, 20, 0, 2 * Math.PI);
  context.fill();
  context.fillStyle = "#fff";
  context.font = "bold 26px sans-serif";
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.fillText(count > 99 ? "99+" : String(count), 44, 21, 36);
  link.type = "image/png";
  link.href = canvas.toDataURL("image/png");
}
