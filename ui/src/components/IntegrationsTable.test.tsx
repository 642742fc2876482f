import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { Integration } from '../types';
import { IntegrationsTable } from './IntegrationsTable';
import { StatusBadge } from './StatusBadge';

const integration: Integration = {
  id: '7f1c2d0e-0000-4000-8000-000000000001',
  tenantId: '7f1c2d0e-0000-4000-8000-0000000000aa',
  name: 'Shop thời trang Hà Nội',
  provider: 'PANCAKE_POS',
  description: 'Cửa hàng chính',
  status: 'ERROR',
  enabled: false,
  config: { shopId: '123' },
  credentialsHint: '••••a1b2',
  lastError: 'Khóa API không hợp lệ.',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  lastSyncAt: null,
  version: 3,
};

describe('IntegrationsTable', () => {
  it('shows the empty state when there are no integrations', () => {
    render(<IntegrationsTable integrations={[]} />);
    expect(screen.getByRole('heading', { name: 'No integrations yet' })).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('lists each integration with its provider, status, hint and Vietnamese text intact', () => {
    render(<IntegrationsTable integrations={[integration]} />);
    const row = screen.getByRole('row', { name: /Shop thời trang Hà Nội/ });
    const cells = within(row);
    expect(cells.getByText('Pancake POS')).toBeInTheDocument();
    expect(cells.getByText('Error')).toHaveClass('badge-error');
    expect(cells.getByText('No')).toBeInTheDocument();
    expect(cells.getByText('Never')).toBeInTheDocument();
    expect(cells.getByText('Khóa API không hợp lệ.')).toBeInTheDocument();
    expect(cells.getByText('••••a1b2')).toBeInTheDocument();
  });
});

describe('StatusBadge', () => {
  it('names the status in words, not only in colour', () => {
    render(<StatusBadge status="ACTIVE" />);
    expect(screen.getByText('Active')).toHaveClass('badge', 'badge-active');
  });
});
