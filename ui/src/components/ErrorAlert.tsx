import type { ErrorPayload } from '../types';

/** An error payload shown inline, announced to screen readers. */
export function ErrorAlert({ error, children }: { error: ErrorPayload; children?: React.ReactNode }) {
  return (
    <div className="alert" role="alert" data-code={error.code}>
      <p>{error.message}</p>
      {children}
    </div>
  );
}
