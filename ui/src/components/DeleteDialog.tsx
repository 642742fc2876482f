import { useRef, useState } from 'react';

import { useT } from '../i18n';
import type { Integration } from '../types';
import { Dialog } from './Dialog';

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
  const cancel = useRef<HTMLButtonElement>(null);
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
    <Dialog title={t('delete.title')} onClose={onCancel} initialFocus={cancel} role="alertdialog">
      {({ descriptionId }) => (
        <>
          <div id={descriptionId}>
            <p className="m-0 font-medium">{t('delete.confirm', { name: integration.name })}</p>
            <p className="m-0 mt-1 text-sm text-muted">{t('delete.detail')}</p>
          </div>
          <div className="mt-6 flex justify-end gap-2">
            <button ref={cancel} type="button" className="btn" onClick={onCancel}>
              {t('common.cancel')}
            </button>
            <button type="button" className="btn btn-danger" disabled={pending} onClick={() => void confirm()}>
              {pending ? t('common.deleting') : t('common.delete')}
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
