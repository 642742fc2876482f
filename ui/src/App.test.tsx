import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { App } from './App';
import { BackendError, type Backend } from './backend';
import type { Account } from './types';

const account: Account = {
  tenantId: 't-1',
  tenantName: 'Shop thời trang',
  userId: 'u-1',
  email: 'chu@shop.vn',
};

function fakeBackend(overrides: Partial<Backend> = {}): Backend {
  return {
    signUp: vi.fn(async () => account),
    signIn: vi.fn(async () => account),
    signOut: vi.fn(async () => undefined),
    currentAccount: vi.fn(async () => null),
    listIntegrations: vi.fn(async () => []),
    ...overrides,
  };
}

describe('App', () => {
  it('creates a workspace and lands on the empty integrations list', async () => {
    const api = fakeBackend();
    const user = userEvent.setup();
    render(<App api={api} />);

    await user.click(await screen.findByRole('tab', { name: 'Create workspace' }));
    await user.type(screen.getByLabelText('Workspace name'), 'Shop thời trang');
    await user.type(screen.getByLabelText('Email'), 'chu@shop.vn');
    await user.type(screen.getByLabelText('Password'), 'mật khẩu dài');
    await user.click(screen.getByRole('button', { name: 'Create workspace' }));

    expect(api.signUp).toHaveBeenCalledWith({
      tenantName: 'Shop thời trang',
      email: 'chu@shop.vn',
      password: 'mật khẩu dài',
    });
    expect(await screen.findByText('No integrations yet')).toBeInTheDocument();
    expect(screen.getByText('Shop thời trang')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
  });

  it('shows the error payload inline when signing in fails', async () => {
    const api = fakeBackend({
      signIn: vi.fn(async () => {
        throw new BackendError({ code: 'UNAUTHENTICATED', message: 'Incorrect email or password.' });
      }),
    });
    const user = userEvent.setup();
    render(<App api={api} />);

    await user.type(await screen.findByLabelText('Email'), 'chu@shop.vn');
    await user.type(screen.getByLabelText('Password'), 'wrong password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Incorrect email or password.');
    expect(alert).toHaveAttribute('data-code', 'UNAUTHENTICATED');
  });

  it('switches between the two forms with the arrow keys, as tabs do', async () => {
    const user = userEvent.setup();
    render(<App api={fakeBackend()} />);
    await screen.findByRole('tab', { name: 'Sign in' });

    await user.tab();
    expect(screen.getByRole('tab', { name: 'Sign in' })).toHaveFocus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Create workspace' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('form', { name: 'Create workspace' })).toBeInTheDocument();
    await user.tab();
    expect(screen.getByLabelText('Workspace name')).toHaveFocus();
  });

  it('explains why it cannot start when the core failed to open', async () => {
    const api = fakeBackend({
      currentAccount: vi.fn(async () => {
        throw { code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached.' };
      }),
    });
    render(<App api={api} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('The database cannot be reached.');
  });
});
