//! The top of a page: its title and the line under it, with the page's own actions at the right.

import type { ReactNode } from 'react';

import { useT } from '../i18n';

export function PageHeader({
  title,
  lead,
  leadClassName = '',
  children,
}: {
  title: string;
  lead: string;
  /** e.g. a narrower line on a page whose actions would otherwise sit far from the title. */
  leadClassName?: string;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 className="m-0 text-2xl">{title}</h1>
        <p className={['m-0 mt-1', leadClassName, 'text-sm text-muted'].filter(Boolean).join(' ')}>{lead}</p>
      </div>
      {children}
    </div>
  );
}

/** The way back to the integrations list, above the title of a page opened from it. */
export function BackToList({ onClick }: { onClick: () => void }) {
  const t = useT();
  return (
    <button type="button" className="btn btn-ghost btn-sm -ml-2" onClick={onClick}>
      <span aria-hidden="true">←</span> {t('list.title')}
    </button>
  );
}
