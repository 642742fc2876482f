//! Short-lived result messages ("Deleted …", "Connection test failed: …") in a polite live
//! region, each dismissible; they never carry the only copy of an error the user must act on.

import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

import { useT } from '../i18n';

export type ToastKind = 'success' | 'error' | 'info';
interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

type Notify = (kind: ToastKind, message: string) => void;
const ToastContext = createContext<Notify>(() => undefined);

const TIMEOUT_MS = 6000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const t = useT();

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((x) => x.id !== id)), []);
  const notify = useCallback<Notify>(
    (kind, message) => {
      const id = nextId.current++;
      setToasts((all) => [...all.slice(-2), { id, kind, message }]);
      window.setTimeout(() => dismiss(id), TIMEOUT_MS);
    },
    [dismiss],
  );
  const value = useMemo(() => notify, [notify]);

  return (
    <ToastContext.Provider value={value}>
      {children}
      <div
        className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-[min(24rem,calc(100vw-2rem))] flex-col gap-2"
        role="region"
        aria-live="polite"
        aria-label={t('common.notifications')}
      >
        {toasts.map((toast) => (
          <div
            key={toast.id}
            className={`toast toast-${toast.kind} pointer-events-auto flex items-start gap-3 rounded-xl px-4 py-3`}
            data-kind={toast.kind}
          >
            <p className="m-0 flex-1 text-sm">{toast.message}</p>
            <button
              type="button"
              className="btn btn-ghost btn-sm -my-1 -mr-2"
              aria-label={t('common.dismiss')}
              onClick={() => dismiss(toast.id)}
            >
              ✕
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Notify {
  return useContext(ToastContext);
}
