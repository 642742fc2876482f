//! A large dialog about one integration (its sync history, its delivery log): the integration's
//! name and provider under the title, closed by ✕ or by the Close button under the content.

import type { ReactNode } from 'react';

import { usePreferences } from '../i18n';
import type { Integration } from '../types';
import { Dialog } from './Dialog';

export function IntegrationDialog({
  title,
  integration,
  onClose,
  spacing,
  children,
}: {
  title: string;
  integration: Integration;
  onClose: () => void;
  /** The gap between the content's parts. */
  spacing: 'gap-4' | 'gap-5';
  children: (ids: { descriptionId: string }) => ReactNode;
}) {
  const { t } = usePreferences();
  return (
    <Dialog
      title={title}
      subtitle={`${integration.name} · ${t(`provider.${integration.provider}`)}`}
      onClose={onClose}
      size="lg"
      closeLabel={t('common.close')}
    >
      {(ids) => (
        <div className={`mt-4 flex flex-col ${spacing}`}>
          {children(ids)}
          <div className="flex justify-end">
            <button type="button" className="btn" onClick={onClose}>
              {t('common.close')}
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
