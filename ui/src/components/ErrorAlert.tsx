import type { ReactNode } from 'react';

import type { ErrorPayload } from '../types';

/** An error shown inline and announced; the core's message is shown as given. */
export function ErrorAlert({
  error,
  message,
  children,
}: {
  error: ErrorPayload;
  /** Replaces the core's message when the UI has a better one for this code. */
  message?: string;
  children?: ReactNode;
}) {
  return (
    <div className="alert" role="alert" data-code={error.code} data-provider-code={error.providerCode}>
      <p>{message ?? error.message}</p>
      {children && <div className="flex gap-2">{children}</div>}
    </div>
  );
}
