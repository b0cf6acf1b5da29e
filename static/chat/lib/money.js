// Money in the web UI: amounts are integers in minor units of their currency, as the API
// sends them (1050 EUR is 10.50 EUR; the currency's `exponent` says how many digits follow
// the decimal point). Floats never hold money here: typed text is parsed digit by digit
// into an integer, and amounts are shown from the integer's digits.

import { locale } from "./i18n.js";

/** The decimal text of `amount` minor units: 1050, 2 -> "10.50"; -5, 2 -> "-0.05"; 7, 0 -> "7". */
export function minorToDecimal(amount, exponent) {
  const digits = String(Math.abs(amount)).padStart(exponent + 1, "0");
  const whole = exponent ? digits.slice(0, -exponent) : digits;
  const fraction = exponent ? `.${digits.slice(-exponent)}` : "";
  return `${amount < 0 ? "-" : ""}${whole}${fraction}`;
}

/**
 * `amount` minor units for people, in their locale: "€10.50", "¥1,050". Intl formats the
 * exact decimal text (no float in between).
 */
export function formatMoney(amount, currency, exponent) {
  const text = minorToDecimal(amount, exponent);
  try {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    }).format(text);
  } catch {
    return `${text} ${currency}`;
  }
}

/** With an explicit sign, for history lines: "+€10.50", "−€3.00". */
export function formatSigned(amount, currency, exponent) {
  const sign = amount > 0 ? "+" : amount < 0 ? "\u2212" : "";
  return `${sign}${formatMoney(Math.abs(amount), currency, exponent)}`;
}

export class AmountError extends Error {}

/**
 * Typed major units -> an integer of minor units, exactly: "10.5" with exponent 2 is 1050.
 * Accepts "10", "10.5", "10.50", "10,50" (a decimal comma) and spaces between thousands;
 * refuses anything else, more decimals than the currency has, zero and amounts past
 * what a number holds exactly.
 */
export function parseAmount(text, exponent) {
  const cleaned = String(text ?? "").trim().replace(/[\s\u00a0\u202f]/g, "");
  const match = cleaned.match(/^(\d+)(?:[.,](\d*))?$/);
  if (!match) throw new AmountError(gettext("Enter an amount such as 10.50."));
  const [, whole, fraction = ""] = match;
  if (fraction.length > exponent) {
    throw new AmountError(exponent ? interpolate(ngettext("Use at most %(count)s decimal place.", "Use at most %(count)s decimal places.", exponent), { count: exponent }, true) : gettext("Use a whole number."));
  }
  const digits = `${whole}${fraction.padEnd(exponent, "0")}`.replace(/^0+(?=\d)/, "");
  const minor = Number(digits);
  if (!Number.isSafeInteger(minor)) throw new AmountError(gettext("That amount is too large."));
  if (minor <= 0) throw new AmountError(gettext("Enter an amount greater than zero."));
  return minor;
}
