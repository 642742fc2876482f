//! Money as the core sends it: whole numbers of the currency's MINOR unit (đồng for VND, cents
//! for USD). Shown per language with Intl, exactly: the integer is turned into a decimal string
//! by moving the point, never by dividing a float, so no digit is rounded away. Where the point
//! goes (the exponent) comes with the report from the core, which defines the minor units:
//! ICU's own display digits differ for some currencies (IDR, HUF, COP, IQD).

import { localeOf } from './i18n';
import type { Language } from './types';

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
 * `formatMoney(1234567, 'VND', 0, 'vi')` → `"1.234.567 ₫"` (Intl's output as is: the space
 * before ₫ is a NO-BREAK SPACE, U+00A0); `'en'` → `"₫1,234,567"`;
 * `formatMoney(12345, 'USD', 2, 'en')` → `"$123.45"`, `'vi'` → `"123,45 US$"` (again U+00A0).
 *
 * Intl is given the exact decimal STRING (Intl.NumberFormat v3): the digits shown are the
 * integer's own. An engine without string support reads it as a number, which is still exact
 * for any amount below 2^53 minor units.
 */
export function formatMoney(minor: number, currency: string, exponent: number, language: Language): string {
  const format = currencyFormat(language, currency, exponent);
  // ES2023's Intl typings take a numeric string; this project's lib (ES2022) does not know yet.
  return (format.format as unknown as (value: string) => string)(minorToDecimal(minor, exponent));
}

/** The amount as a plain number of major units, for drawing (a chart's bar), never for showing. */
export function minorToMajor(minor: number, exponent: number): number {
  return minor / 10 ** exponent;
}
