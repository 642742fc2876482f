//! The shape of the totals and the chart while the first report loads.

import { LoadingFrame } from '../../components/LoadingFrame';

export function Skeleton({ label }: { label: string }) {
  return (
    <LoadingFrame label={label}>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" aria-hidden="true">
        {Array.from({ length: 10 }, (_, i) => (
          <div key={i} className="card flex flex-col gap-2 px-4 py-3">
            <div className="skeleton h-3 w-1/2" />
            <div className="skeleton h-6 w-3/4" />
          </div>
        ))}
      </div>
      <div className="card p-5" aria-hidden="true">
        <div className="skeleton h-64 w-full" />
      </div>
    </LoadingFrame>
  );
}
