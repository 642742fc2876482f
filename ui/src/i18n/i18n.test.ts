import { describe, expect, it } from 'vitest';

import { en } from './en';
import { translator } from './index';
import { vi } from './vi';

describe('dictionaries', () => {
  it('have the same keys and no empty strings', () => {
    expect(Object.keys(vi).sort()).toEqual(Object.keys(en).sort());
    for (const dict of [en, vi]) for (const text of Object.values(dict)) expect(text.trim()).not.toBe('');
  });

  it('fill placeholders and keep the exact Vietnamese', () => {
    const t = translator('vi');
    expect(t('delete.confirm', { name: 'Shop thời trang' })).toBe('Xoá “Shop thời trang”? Không thể hoàn tác thao tác này.');
    expect(t('common.loading')).toBe('Đang tải…');
    expect(t('pancake.addStore')).toBe('Thêm cửa hàng khác');
    expect(translator('en')('delete.confirm', { name: 'Shop thời trang' })).toBe('Delete “Shop thời trang”? This cannot be undone.');
  });

  it('name the sync streams and the history the way a Vietnamese shop owner says them', () => {
    const t = translator('vi');
    expect([t('stream.orders'), t('stream.variations'), t('stream.insights')]).toEqual(['Đơn hàng', 'Sản phẩm', 'Số liệu quảng cáo']);
    expect(t('history.title')).toBe('Lịch sử đồng bộ');
    expect(t('history.summary', { every: '60 phút', time: '14:05' })).toBe('Mỗi 60 phút · lần tới lúc 14:05');
    expect(translator('en')('history.summary', { every: '60 minutes', time: '14:05' })).toBe('Every 60 minutes · next at 14:05');
  });
});
