//! An accessible modal dialog: labelled by its title, focus moved inside and trapped there,
//! Escape and the backdrop close it, focus returns to where it was.

import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

interface Props {
  title: string;
  onClose: () => void;
  children: (ids: { descriptionId: string }) => ReactNode;
  /** The element focused first (e.g. the safe choice); defaults to the first focusable. */
  initialFocus?: React.RefObject<HTMLElement | null>;
  role?: 'dialog' | 'alertdialog';
  /** 'lg' for dialogs with a table (sync history); scrolls inside when taller than the window. */
  size?: 'md' | 'lg';
  /** Shown under the title, e.g. the integration a dialog is about. */
  subtitle?: string;
  /** Adds a ✕ button with this accessible name to the title row. */
  closeLabel?: string;
}

export function Dialog({
  title,
  onClose,
  children,
  initialFocus,
  role = 'dialog',
  size = 'md',
  subtitle,
  closeLabel,
}: Props) {
  const titleId = useId();
  const descriptionId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = initialFocus?.current ?? panel.current?.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? panel.current)?.focus();
    return () => previous?.focus?.();
  }, [initialFocus]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onCloseRef.current();
      return;
    }
    if (event.key !== 'Tab' || !panel.current) return;
    const items = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div className="fixed inset-0 z-40 flex items-center justify-center p-4" onKeyDown={onKeyDown}>
      <div className="backdrop absolute inset-0" aria-hidden="true" onClick={() => onCloseRef.current()} />
      <div
        ref={panel}
        role={role}
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={descriptionId}
        tabIndex={-1}
        className={`card relative w-full p-6 shadow-2xl ${
          size === 'lg' ? 'max-h-[calc(100vh-2rem)] max-w-5xl overflow-y-auto' : 'max-w-md'
        }`}
      >
        <div className="mb-2 flex items-start gap-3">
          <div className="min-w-0 flex-1">
            <h2 id={titleId} className="m-0 text-lg">
              {title}
            </h2>
            {subtitle && <p className="m-0 mt-0.5 truncate text-sm text-muted">{subtitle}</p>}
          </div>
          {closeLabel && (
            <button
              type="button"
              className="btn btn-ghost btn-sm -mt-1 -mr-2 flex-none"
              aria-label={closeLabel}
              onClick={() => onCloseRef.current()}
            >
              <span aria-hidden="true">✕</span>
            </button>
          )}
        </div>
        {children({ descriptionId })}
      </div>
    </div>,
    document.body,
  );
}
