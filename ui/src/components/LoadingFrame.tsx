//! What a page shows while its first data loads: the shapes of what is coming (decorative), and
//! the same said in words to assistive technology.

import type { ReactNode } from 'react';

export function LoadingFrame({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-6">
      <p role="status" className="visually-hidden">
        {label}
      </p>
      {children}
    </div>
  );
}
