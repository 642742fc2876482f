//! Offline edits that met a different change on the server: both versions side by side, and the
//! user picks one. Nothing is applied or dropped until they do. An integration deleted on the
//! server can only have the edit discarded.

import { useState } from 'react';

import { backend } from '../backend';
import { describeChange } from '../changeSummary';
import { useConnectivity } from '../connectivity';
import { usePreferences } from '../i18n';
import { useBackendError } from '../session';
import type { ChangeConflict, ConflictChoice } from '../types';
import { useToast } from './Toasts';

export function ConflictsPanel() {
  const { t } = usePreferences();
  const { connectivity } = useConnectivity();
  const { conflicts } = connectivity;
  if (conflicts.length === 0) return null;
  return (
    <section aria-labelledby="conflicts-title" className="card conflicts flex flex-col gap-4 p-5">
      <div>
        <h2 id="conflicts-title" className="m-0 text-lg">
          {t('conflicts.title')}
        </h2>
        <p className="m-0 mt-1 text-sm text-muted">{t('conflicts.lead')}</p>
      </div>
      <ul className="m-0 flex list-none flex-col gap-4 p-0">
        {conflicts.map((conflict) => (
          <ConflictItem key={conflict.seq} conflict={conflict} />
        ))}
      </ul>
    </section>
  );
}

function ConflictItem({ conflict }: { conflict: ChangeConflict }) {
  const { t, formatDate } = usePreferences();
  const { accept, refresh } = useConnectivity();
  const notify = useToast();
  const asError = useBackendError();
  const [pending, setPending] = useState<ConflictChoice | null>(null);
  const { server } = conflict;
  const headingId = `conflict-${conflict.seq}`;

  const resolve = async (keep: ConflictChoice) => {
    setPending(keep);
    try {
      const next = await backend.resolveConflict(conflict.seq, keep);
      const done = keep === 'MINE' ? 'conflicts.keptMine' : server ? 'conflicts.keptServer' : 'conflicts.discarded';
      notify('success', t(done, { name: conflict.integrationName }));
      accept(next);
    } catch (err) {
      const error = asError(err);
      notify('error', error.message);
      setPending(null);
      if (error.code === 'OFFLINE') refresh();
    }
  };

  return (
    <li className="border-t border-line pt-4 first:border-t-0 first:pt-0">
      <article className="flex flex-col gap-3" aria-labelledby={headingId}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id={headingId} className="m-0 text-base">
          {conflict.integrationName}
        </h3>
        <span className="text-xs text-muted">
          <time dateTime={conflict.queuedAt}>{t('conflicts.madeAt', { date: formatDate(conflict.queuedAt) })}</time>
        </span>
      </div>
      <div className="grid gap-3 md:grid-cols-2">
        <div className="conflict-side conflict-side-mine" data-testid="conflict-mine">
          <h4 className="m-0 mb-1.5 text-xs font-semibold tracking-wide text-muted uppercase">{t('conflicts.mine')}</h4>
          <ul className="m-0 flex list-none flex-col gap-0.5 p-0 text-sm">
            {describeChange(conflict.mine, t).map((line) => (
              <li key={line} className="font-medium break-words">
                {line}
              </li>
            ))}
          </ul>
        </div>
        <div className="conflict-side" data-testid="conflict-server">
          <h4 className="m-0 mb-1.5 text-xs font-semibold tracking-wide text-muted uppercase">{t('conflicts.server')}</h4>
          {server ? (
            <dl className="m-0 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-sm">
              <dt className="text-muted">{t('table.name')}</dt>
              <dd className="m-0 font-medium break-words">{server.name}</dd>
              <dt className="text-muted">{t('edit.description')}</dt>
              <dd className="m-0 break-words">
                {server.description ?? <span className="text-muted">{t('conflicts.noDescription')}</span>}
              </dd>
              <dt className="text-muted">{t('table.enabled')}</dt>
              <dd className="m-0">{server.enabled ? t('common.on') : t('common.off')}</dd>
            </dl>
          ) : (
            <>
              <p className="m-0 text-sm font-medium text-danger">{t('conflicts.deleted')}</p>
              <p className="m-0 mt-0.5 text-xs text-muted">{t('conflicts.deletedHint')}</p>
            </>
          )}
        </div>
      </div>
      <div className="flex flex-wrap justify-end gap-2">
        {server ? (
          <>
            <button type="button" className="btn btn-sm" disabled={pending !== null} onClick={() => void resolve('SERVER')}>
              {t('conflicts.keepServer')}
            </button>
            <button
              type="button"
              className="btn btn-primary btn-sm"
              disabled={pending !== null}
              onClick={() => void resolve('MINE')}
            >
              {t('conflicts.keepMine')}
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-sm" disabled={pending !== null} onClick={() => void resolve('SERVER')}>
            {t('conflicts.discard')}
          </button>
        )}
      </div>
      </article>
    </li>
  );
}
