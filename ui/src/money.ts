//! Money as the core sends it: whole numbers of the currency's MINOR unit (đồng for VND, cents
//! for USD). Shown per language with Intl, exactly: the integer is turned into a decimal string
//! by moving the point, never by dividing a float, so no digit is rounded away.

import { localeOf } from './i18n';
import type { Language } from './types';

/**
 * How many minor-unit digits the core uses for `currency`: the SAME table as the core's
 * `currency_exponent` (crates/providers/src/values.rs), which defines what a minor unit is.
 * Intl's own digits are not used for this: ICU gives IDR, HUF, COP or IQD 0 fraction digits
 * where the core stores 2 (3 for IQD), which would show such amounts 100× too large.
 */
export function currencyExponent(currency: string): number {
  switch (currency.toUpperCase()) {
    case 'VND': case 'JPY': case 'KRW': case 'CLP': case 'ISK': case 'PYG': case 'UGX': case 'XAF':
    case 'XOF': case 'KMF': case 'RWF': case 'VUV': case 'XPF': case 'GNF': case 'DJF': case 'BIF':
      return 0;
    case 'KWD': case 'BHD': case 'OMR': case 'JOD': case 'TND': case 'LYD': case 'IQD':
      return 3;
    default:
      return 2;
  }
}

/** `1234567` with exponent 2 → `"12345.67"`; `-5` → `"-0.05"`. Exact for any safe integer. */
export function minorToDecimal(minor: number, exponent: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not a whole number of minor units: ${minor}`);
  const digits = Math.abs(minor).toString();
  const sign = minor < 0 ? '-' : '';
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

const formats = new Map<string, Intl.NumberFormat>();

function currencyFormat(language: Language, currency: string, exponent: number): Intl.NumberFormat {
  const key = `${language}|${currency}|${exponent}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(localeOf(language), {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    formats.set(key, format);
  }
  return format;
}

/**
 * `formatMoney(1234567, 'VND', 'vi')` → `"1.234.567 ₫"` (Intl's output as is: the space before
 * ₫ is a NO-BREAK SPACE, U+00A0); `'en'` → `"₫1,234,567"`; `formatMoney(12345, 'USD', 'en')` →
 * `"$123.45"`, `'vi'` → `"123,45 US$"` (again U+00A0).
 *
 * Intl is given the exact decimal STRING (Intl.NumberFormat v3): the digits shown are the
 * integer's own. An engine without string support reads it as a number, which is still exact
 * for any amount below 2^53 minor units.
 */
export function formatMoney(minor: number, currency: string, language: Language): string {
  const exponent = currencyExponent(currency);
  const format = currencyFormat(language, currency, exponent);
  // ES2023's Intl typings take a numeric string; this project's lib (ES2022) does not know yet.
  return (format.format as unknown as (value: string) => string)(minorToDecimal(minor, exponent));
}

/** The amount as a plain number of major units, for drawing (a chart's bar), never for showing. */
export function minorToMajor(minor: number, currency: string | null): number {
  return currency ? minor / 10 ** currencyExponent(currency) : minor;
}
