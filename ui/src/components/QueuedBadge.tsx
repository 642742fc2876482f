import { useT } from '../i18n';

/** A small clock, drawn inline (no icon font, nothing external). */
export function ClockIcon({ className = 'h-3.5 w-3.5' }: { className?: string }) {
  return (
    <svg className={className} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden="true">
      <circle cx="8" cy="8" r="6.2" />
      <path d="M8 4.6V8l2.3 1.5" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

/** Marks an integration whose offline edit waits in the outbox for the server. */
export function QueuedBadge() {
  const t = useT();
  return (
    <span className="badge badge-plain badge-queued" data-testid="queued-badge">
      <ClockIcon />
      {t('connectivity.queued')}
    </span>
  );
}
