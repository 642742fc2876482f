import { useT } from '../i18n';
import type { IntegrationStatus } from '../types';

/** The status as a word and a colour, never the colour alone. */
export function StatusBadge({ status }: { status: IntegrationStatus | null }) {
  const t = useT();
  if (status === null) return <span className="badge badge-none">{t('status.notConnected')}</span>;
  return <span className={`badge badge-${status.toLowerCase()}`}>{t(`status.${status}`)}</span>;
}
