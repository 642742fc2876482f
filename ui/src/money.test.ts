import { describe, expect, it } from 'vitest';

import { currencyExponent, formatMoney, minorToDecimal, minorToMajor } from './money';

// Intl's exact output is asserted, spaces included: vi-VN puts a NO-BREAK SPACE (U+00A0)
// between the amount and the currency, which keeps "₫" from wrapping onto its own line.
const NBSP = '\u00a0';

describe('formatMoney', () => {
  it('shows đồng the way each language writes them (VND has no minor digits)', () => {
    expect(formatMoney(1234567, 'VND', 'vi')).toBe(`1.234.567${NBSP}₫`);
    expect(formatMoney(1234567, 'VND', 'en')).toBe('₫1,234,567');
    expect(formatMoney(0, 'VND', 'vi')).toBe(`0${NBSP}₫`);
  });

  it('moves the decimal point by the currency’s digits: 12345 cents are $123.45', () => {
    expect(formatMoney(12345, 'USD', 'en')).toBe('$123.45');
    expect(formatMoney(12345, 'USD', 'vi')).toBe(`123,45${NBSP}US$`);
    expect(formatMoney(5, 'USD', 'en')).toBe('$0.05');
    expect(formatMoney(-12345, 'USD', 'en')).toBe('-$123.45');
  });

  it('never rounds: every digit of a large amount is shown', () => {
    // 2^53 - 1 cents: as a float divided by 100 this would lose the last digit.
    expect(formatMoney(9007199254740991, 'USD', 'en')).toBe('$90,071,992,547,409.91');
    expect(formatMoney(9007199254740991, 'VND', 'vi')).toBe(`9.007.199.254.740.991${NBSP}₫`);
    expect(formatMoney(1234567, 'KWD', 'en')).toBe(`KWD${NBSP}1,234.567`);
  });

  it('uses the core’s minor units, not ICU’s display digits (IDR is stored in hundredths)', () => {
    // ICU shows IDR without decimals; the core stores Rp 1.500.000,50 as 150000050.
    expect(formatMoney(150000050, 'IDR', 'vi')).toBe(`1.500.000,50${NBSP}IDR`);
  });
});

describe('currencyExponent', () => {
  it('matches the core’s table', () => {
    expect(['VND', 'JPY', 'KRW', 'CLP', 'ISK'].map(currencyExponent)).toEqual([0, 0, 0, 0, 0]);
    expect(['USD', 'EUR', 'THB', 'IDR', 'HUF'].map(currencyExponent)).toEqual([2, 2, 2, 2, 2]);
    expect(['KWD', 'BHD', 'IQD'].map(currencyExponent)).toEqual([3, 3, 3]);
    expect(currencyExponent('vnd')).toBe(0);
  });
});

describe('minorToDecimal / minorToMajor', () => {
  it('pads and signs', () => {
    expect(minorToDecimal(1234567, 2)).toBe('12345.67');
    expect(minorToDecimal(7, 3)).toBe('0.007');
    expect(minorToDecimal(-5, 2)).toBe('-0.05');
    expect(minorToDecimal(42, 0)).toBe('42');
    expect(() => minorToDecimal(1.5, 2)).toThrow(RangeError);
  });

  it('gives a number of major units for charts', () => {
    expect(minorToMajor(12345, 'USD')).toBe(123.45);
    expect(minorToMajor(12345, 'VND')).toBe(12345);
    expect(minorToMajor(12345, null)).toBe(12345);
  });
});
