import { useRef } from 'react';

import { useT } from '../i18n';
import { Dialog } from './Dialog';

/** Asks before something that cannot be undone: the question, what follows, Cancel (focused) or the action. */
export function ConfirmDialog({
  title,
  question,
  detail,
  action,
  pending,
  onCancel,
  onConfirm,
}: {
  title: string;
  question: string;
  detail: string;
  /** The action button's label (while pending, what it is doing). */
  action: string;
  pending: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const t = useT();
  const cancel = useRef<HTMLButtonElement>(null);
  return (
    <Dialog title={title} onClose={onCancel} initialFocus={cancel} role="alertdialog">
      {({ descriptionId }) => (
        <>
          <div id={descriptionId}>
            <p className="m-0 font-medium">{question}</p>
            <p className="m-0 mt-1 text-sm text-muted">{detail}</p>
          </div>
          <div className="mt-6 flex justify-end gap-2">
            <button ref={cancel} type="button" className="btn" onClick={onCancel}>
              {t('common.cancel')}
            </button>
            <button type="button" className="btn btn-danger" disabled={pending} onClick={onConfirm}>
              {action}
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
