import type { ReactNode } from 'react';

import { useT } from '../i18n';
import type { ErrorPayload } from '../types';

/** An error shown inline and announced; the core's message is shown as given. */
export function ErrorAlert({
  error,
  message,
  onRetry,
  children,
}: {
  error: ErrorPayload;
  /** Replaces the core's message when the UI has a better one for this code. */
  message?: string;
  /** Adds a "Try again" button, first of the actions, that calls this. */
  onRetry?: () => void;
  children?: ReactNode;
}) {
  return (
    <div className="alert" role="alert" data-code={error.code} data-provider-code={error.providerCode}>
      <p>{message ?? error.message}</p>
      {(onRetry || children) && (
        <div className="flex gap-2">
          {onRetry && <TryAgain onClick={onRetry} />}
          {children}
        </div>
      )}
    </div>
  );
}

function TryAgain({ onClick }: { onClick: () => void }) {
  const t = useT();
  return (
    <button type="button" className="btn btn-sm" onClick={onClick}>
      {t('common.tryAgain')}
    </button>
  );
}

/**
 * A load's state in words: while it runs, `loading` (announced); when it failed, the error with
 * "Try again"; once loaded, nothing.
 */
export function LoadStatus({
  load,
  loading,
  className = 'm-0 text-sm text-muted',
  message,
  onRetry,
}: {
  load: { state: 'loading' | 'loaded' } | { state: 'failed'; error: ErrorPayload };
  loading: string;
  className?: string;
  /** The UI's own words for an error, where it has them. */
  message?: (error: ErrorPayload) => string | undefined;
  onRetry: () => void;
}) {
  if (load.state === 'loading') {
    return (
      <p role="status" className={className}>
        {loading}
      </p>
    );
  }
  if (load.state === 'failed') return <ErrorAlert error={load.error} message={message?.(load.error)} onRetry={onRetry} />;
  return null;
}
