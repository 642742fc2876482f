import type { Integration, Provider } from '../types';
import { StatusBadge } from './StatusBadge';

const PROVIDER_NAMES: Record<Provider, string> = {
  META_ADS: 'Meta Ads',
  PANCAKE_POS: 'Pancake POS',
};

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function formatDate(iso: string | null): string {
  if (!iso) return 'Never';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

export function IntegrationsTable({ integrations }: { integrations: Integration[] }) {
  if (integrations.length === 0) {
    return (
      <div className="empty-state">
        <h2>No integrations yet</h2>
        <p>Connect a Pancake POS shop or a Meta Ads account to see it here.</p>
      </div>
    );
  }
  return (
    <div className="table-wrap">
      <table className="integrations">
        <caption className="visually-hidden">Integrations in this workspace</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Provider</th>
            <th scope="col">Status</th>
            <th scope="col">Enabled</th>
            <th scope="col">Last sync</th>
            <th scope="col">Last error</th>
            <th scope="col">Credentials</th>
          </tr>
        </thead>
        <tbody>
          {integrations.map((integration) => (
            <tr key={integration.id}>
              <th scope="row">
                {integration.name}
                {integration.description && (
                  <span className="description">{integration.description}</span>
                )}
              </th>
              <td>{PROVIDER_NAMES[integration.provider]}</td>
              <td>
                <StatusBadge status={integration.status} />
              </td>
              <td>{integration.enabled ? 'Yes' : 'No'}</td>
              <td>
                {integration.lastSyncAt ? (
                  <time dateTime={integration.lastSyncAt}>{formatDate(integration.lastSyncAt)}</time>
                ) : (
                  'Never'
                )}
              </td>
              <td className="last-error">{integration.lastError ?? '—'}</td>
              <td>
                <code>{integration.credentialsHint}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
