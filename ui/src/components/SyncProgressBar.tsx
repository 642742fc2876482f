//! One running sync: the stream in words, the records written so far, and `done / total` work
//! units as a bar (indeterminate while the total is unknown, e.g. before the first page).

import { usePreferences } from '../i18n';
import { recordsText, streamLabel } from '../syncText';
import type { SyncProgress } from '../types';

export function SyncProgressBar({
  name,
  progress,
  className = '',
}: {
  /** The integration's name, for the bar's accessible name. */
  name: string;
  /** null: asked for, not started yet ("Starting…"). */
  progress: SyncProgress | null;
  className?: string;
}) {
  const { t, formatNumber } = usePreferences();
  const stream = progress ? streamLabel(t, progress.stream) : t('sync.starting');
  const started = progress !== null && progress.stream !== '';
  const records = progress && started ? recordsText(t, formatNumber, progress.records) : null;
  const determinate = progress !== null && progress.total > 0;
  const done = progress ? Math.min(progress.done, progress.total) : 0;
  const percent = determinate ? Math.round((done / progress.total) * 100) : 0;
  const valueText = records ? `${stream}: ${records}` : stream;

  return (
    <div className={`flex min-w-[9.5rem] flex-col gap-1 ${className}`} data-testid="sync-progress">
      <div className="flex items-baseline justify-between gap-2 text-xs">
        <span className="truncate">
          <span className="font-semibold">{stream}</span>
          {records && <span className="text-muted"> · {records}</span>}
        </span>
        {determinate && (
          <span className="flex-none text-muted tabular-nums" aria-hidden="true">
            {formatNumber(done)}/{formatNumber(progress.total)}
          </span>
        )}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label={t('sync.progressFor', { name })}
        aria-valuemin={0}
        aria-valuemax={determinate ? progress.total : undefined}
        aria-valuenow={determinate ? done : undefined}
        aria-valuetext={valueText}
        data-indeterminate={determinate ? undefined : 'true'}
      >
        <div className="progress-fill" style={determinate ? { width: `${percent}%` } : undefined} />
      </div>
    </div>
  );
}

/** Two arrows in a circle, drawn inline; `spinning` turns it while a sync runs. */
export function SyncIcon({ className = 'h-3.5 w-3.5', spinning = false }: { className?: string; spinning?: boolean }) {
  return (
    <svg
      className={`${className} ${spinning ? 'sync-spin' : ''}`}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d="M13.2 6.4A5.4 5.4 0 0 0 3.3 5.1" />
      <path d="M3 2.6v2.8h2.8" />
      <path d="M2.8 9.6a5.4 5.4 0 0 0 9.9 1.3" />
      <path d="M13 13.4v-2.8h-2.8" />
    </svg>
  );
}
