// The web UI's language and the formats that follow it. The words come from Django's
// JavaScript catalog (/jsi18n/, loaded before any module: global gettext, ngettext,
// interpolate); dates, times and numbers from Intl in the page's language (<html lang>,
// what the server chose: the user's setting, else the browser's) and the browser's time
// zone. Every date the UI shows goes through the functions here.

/** The page's language as a BCP 47 tag ("vi", "en"), for Intl. */
export const locale = document.documentElement.lang || navigator.language || "en";

/** `gettext(fmt)` with named values: t("%(name)s joined", { name }). */
export function t(fmt, values) {
  const text = gettext(fmt);
  return values ? interpolate(text, values, true) : text;
}

/** Singular or plural by `count`, with named values (count is one of them). */
export function nt(singular, plural, count, values = {}) {
  return interpolate(ngettext(singular, plural, count), { count, ...values }, true);
}

const timeFormat = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" });
const fullFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
const relativeDays = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "long" });
const weekdayFormat = new Intl.DateTimeFormat(locale, { weekday: "long", month: "long", day: "numeric" });
const longDateFormat = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", day: "numeric" });

/** Short time for lists: the clock time today, else the date. */
export function shortTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString() ? timeFormat.format(date) : dateFormat.format(date);
}

/** Date and time, for tooltips and histories. */
export function fullTime(iso) {
  return iso ? fullFormat.format(new Date(iso)) : "";
}

/** The clock time alone (a message list says the day in its day separators). */
export function clockTime(iso) {
  return iso ? timeFormat.format(new Date(iso)) : "";
}

/** A local calendar day, as a key: two times are on the same day when their keys match. */
export function dayKey(iso) {
  const date = new Date(iso);
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

function capitalized(word) {
  return word.charAt(0).toLocaleUpperCase(locale) + word.slice(1);
}

/**
 * A day separator's words: "Today", "Yesterday" (from Intl.RelativeTimeFormat, so every
 * language has its own), else the date, with the weekday this year and the year before.
 */
export function dayLabel(iso) {
  const date = new Date(iso);
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const now = new Date();
  const days = Math.round((midnight(date) - midnight(now)) / 86400000);
  if (days === 0 || days === -1) return capitalized(relativeDays.format(days, "day"));
  return (date.getFullYear() === now.getFullYear() ? weekdayFormat : longDateFormat).format(date);
}

/** "5 minutes ago", "in 2 hours", "yesterday": how long from now, in words. */
export function relativeTime(iso) {
  if (!iso) return "";
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const steps = [
    [60, "second"],
    [3600, "minute"],
    [86400, "hour"],
    [86400 * 7, "day"],
    [86400 * 30, "week"],
    [86400 * 365, "month"],
  ];
  let unit = "year";
  let size = 86400 * 365;
  let previous = 1;
  for (const [limit, name] of steps) {
    if (Math.abs(seconds) < limit) {
      unit = name;
      size = previous;
      break;
    }
    previous = limit;
  }
  return relative.format(Math.round(seconds / size), unit);
}

/** A number in the page's language ("1,234" / "1.234"). */
export function formatNumber(value, options) {
  return new Intl.NumberFormat(locale, options).format(value);
}
