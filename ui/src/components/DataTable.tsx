//! The frame the data tables share: it scrolls sideways when the window is narrow, is named by a
//! caption only assistive technology reads, and heads each column.

import type { ReactNode } from 'react';

/** A column's heading, with the classes of its header cell where it has its own (e.g. right-aligned). */
export type Column = string | { label: string; className: string };

export function DataTable({
  caption,
  columns,
  className = 'overflow-x-auto rounded-xl border border-line',
  children,
}: {
  caption: string;
  columns: Column[];
  /** The frame's classes: a bordered box by default, a card for a page's main table. */
  className?: string;
  /** The body's rows. */
  children: ReactNode;
}) {
  return (
    <div className={className}>
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {/* Two columns may have one name in a language: the place is the key. */}
            {columns.map((column, index) =>
              typeof column === 'string' ? (
                <th key={index} scope="col">
                  {column}
                </th>
              ) : (
                <th key={index} scope="col" className={column.className}>
                  {column.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** What a dialog's list shows when it has nothing yet: what is missing, and what would fill it. */
export function EmptyList({ title, hint, heading: Heading }: { title: string; hint: string; heading: 'h3' | 'h4' }) {
  return (
    <div className="flex flex-col items-center gap-1 rounded-xl border border-dashed border-line px-6 py-8 text-center">
      <Heading className="m-0 text-base">{title}</Heading>
      <p className="m-0 max-w-md text-sm text-muted">{hint}</p>
    </div>
  );
}
