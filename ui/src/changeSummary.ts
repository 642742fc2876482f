//! Offline edits in words, for the conflicts panel: one line per field the edit changes.

import type { Translate } from './i18n';
import type { OfflineChange } from './types';

/** E.g. ['Name → “Shop Quận 1”', 'Description cleared', 'Turned off']; empty if nothing changes. */
export function describeChange(change: OfflineChange, t: Translate): string[] {
  const lines: string[] = [];
  if (change.name !== undefined) lines.push(t('change.name', { name: change.name }));
  if (change.description !== undefined) {
    lines.push(
      change.description === null || change.description === ''
        ? t('change.descriptionCleared')
        : t('change.description', { description: change.description }),
    );
  }
  if (change.enabled !== undefined) lines.push(t(change.enabled ? 'change.turnedOn' : 'change.turnedOff'));
  return lines;
}
