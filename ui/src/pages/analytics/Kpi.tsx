//! One total: its label, the colour it has in the chart (if any), and its value.

export function Kpi({ label, value, accent }: { label: string; value: string; accent?: string }) {
  return (
    <div role="group" aria-label={label} className="card flex min-w-0 flex-col gap-0.5 px-4 py-2.5">
      <span className="flex items-center gap-1.5 text-xs font-semibold text-muted">
        {accent && <span className="h-2 w-2 flex-none rounded-full" style={{ background: accent }} aria-hidden="true" />}
        {label}
      </span>
      <span className="truncate text-lg font-semibold tabular-nums" title={value}>
        {value}
      </span>
    </div>
  );
}
