import { useState } from 'react';

import { useT } from '../i18n';
import type { Integration } from '../types';
import { ConfirmDialog } from './ConfirmDialog';

/** Asks before deleting, naming the integration; Cancel has the focus. */
export function DeleteDialog({
  integration,
  onCancel,
  onConfirm,
}: {
  integration: Integration;
  onCancel: () => void;
  onConfirm: () => Promise<void>;
}) {
  const t = useT();
  const [pending, setPending] = useState(false);
  const confirm = async () => {
    setPending(true);
    try {
      await onConfirm();
    } finally {
      setPending(false);
    }
  };
  return (
    <ConfirmDialog
      title={t('delete.title')}
      question={t('delete.confirm', { name: integration.name })}
      detail={t('delete.detail')}
      action={pending ? t('common.deleting') : t('common.delete')}
      pending={pending}
      onCancel={onCancel}
      onConfirm={() => void confirm()}
    />
  );
}
