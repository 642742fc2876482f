import { describe, expect, it } from 'vitest';

import { formatMoney, minorToDecimal, minorToMajor } from './money';

// Intl's exact output is asserted, spaces included: vi-VN puts a NO-BREAK SPACE (U+00A0)
// between the amount and the currency, which keeps "₫" from wrapping onto its own line.
const NBSP = '\u00a0';

describe('formatMoney', () => {
  it('shows đồng the way each language writes them (VND has no minor digits)', () => {
    expect(formatMoney(1234567, 'VND', 0, 'vi')).toBe(`1.234.567${NBSP}₫`);
    expect(formatMoney(1234567, 'VND', 0, 'en')).toBe('₫1,234,567');
    expect(formatMoney(0, 'VND', 0, 'vi')).toBe(`0${NBSP}₫`);
  });

  it('moves the decimal point by the currency’s digits: 12345 cents are $123.45', () => {
    expect(formatMoney(12345, 'USD', 2, 'en')).toBe('$123.45');
    expect(formatMoney(12345, 'USD', 2, 'vi')).toBe(`123,45${NBSP}US$`);
    expect(formatMoney(5, 'USD', 2, 'en')).toBe('$0.05');
    expect(formatMoney(-12345, 'USD', 2, 'en')).toBe('-$123.45');
  });

  it('never rounds: every digit of a large amount is shown', () => {
    // 2^53 - 1 cents: as a float divided by 100 this would lose the last digit.
    expect(formatMoney(9007199254740991, 'USD', 2, 'en')).toBe('$90,071,992,547,409.91');
    expect(formatMoney(9007199254740991, 'VND', 0, 'vi')).toBe(`9.007.199.254.740.991${NBSP}₫`);
    expect(formatMoney(1234567, 'KWD', 3, 'en')).toBe(`KWD${NBSP}1,234.567`);
  });

  it('puts the point where the core’s exponent says, not where ICU would (IDR in hundredths)', () => {
    // ICU shows IDR without decimals; the core stores Rp 1.500.000,50 as 150000050.
    expect(formatMoney(150000050, 'IDR', 2, 'vi')).toBe(`1.500.000,50${NBSP}IDR`);
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
    expect(minorToMajor(12345, 2)).toBe(123.45);
    expect(minorToMajor(12345, 0)).toBe(12345);
  });
});
