import { describe, expect, it } from 'vitest';

import { describeChange } from './changeSummary';
import { translator } from './i18n';

describe('describeChange', () => {
  const en = translator('en');

  it('names each field the offline edit changes, in a fixed order', () => {
    expect(describeChange({ enabled: false, name: 'Shop Quận 1', description: 'Cửa hàng chính' }, en)).toEqual([
      'Name → “Shop Quận 1”',
      'Description → “Cửa hàng chính”',
      'Turned off',
    ]);
  });

  it('tells a cleared description from an untouched one', () => {
    expect(describeChange({ description: null }, en)).toEqual(['Description cleared']);
    expect(describeChange({ enabled: true }, en)).toEqual(['Turned on']);
    expect(describeChange({}, en)).toEqual([]);
  });

  it('speaks Vietnamese', () => {
    expect(describeChange({ name: 'Giày dép Sài Gòn', description: null, enabled: false }, translator('vi'))).toEqual([
      'Tên → “Giày dép Sài Gòn”',
      'Đã xoá mô tả',
      'Đã tắt',
    ]);
  });
});
