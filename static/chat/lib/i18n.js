// The web UI's language and the formats that follow it. The words come from Django's
// JavaScript catalog (/jsi18n/, loaded before any module: global gettext, ngettext and
// interpolate, called by those names so that `make messages` finds the strings). Dates,
// times and numbers come from Intl in the page's language (<html lang>: the user's
// setting, else the browser's) and the browser's time zone. Every date the UI shows goes
// through the functions here.

const pageLanguage = document.documentElement.lang || "en";

/**
 * The locale for Intl: the browser's own when it is a variant of the page's language
 * ("en-GB" writes "15 March", "en-US" "March 15"), else the page's language itself.
 */
export const locale =
  (navigator.languages || [navigator.language]).find((tag) => tag?.toLowerCase().split("-")[0] === pageLanguage) ||
  pageLanguage;

const timeFormat = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" });
const fullFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
const relativeDays = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
const weekdayFormat = new Intl.DateTimeFormat(locale, { weekday: "long", month: "long", day: "numeric" });
const longDateFormat = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", day: "numeric" });
const weekdayTimeFormat = new Intl.DateTimeFormat(locale, { weekday: "short", hour: "2-digit", minute: "2-digit" });

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

/** A calendar date alone ("March 15, 2027"). */
export function longDate(iso) {
  return iso ? longDateFormat.format(new Date(iso)) : "";
}

/** A time within the coming week: the clock time today, else the weekday and time ("Tue 14:05"). */
export function soonTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : weekdayTimeFormat.format(date);
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
