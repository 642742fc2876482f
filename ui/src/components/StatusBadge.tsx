import type { IntegrationStatus } from '../types';

const LABELS: Record<IntegrationStatus, string> = {
  PENDING: 'Pending',
  ACTIVE: 'Active',
  ERROR: 'Error',
  DISABLED: 'Disabled',
};

/** The status as a word and a colour, never the colour alone. */
export function StatusBadge({ status }: { status: IntegrationStatus }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{LABELS[status]}</span>;
}
