import { useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';

import { backend, toBackendError } from '../backend';
import { useT, type MessageKey } from '../i18n';
import type { Account, ErrorPayload } from '../types';
import { ErrorAlert } from './ErrorAlert';
import { Field } from './Field';

type Mode = 'sign-in' | 'sign-up';

const MODES: { id: Mode; label: MessageKey }[] = [
  { id: 'sign-in', label: 'auth.signIn' },
  { id: 'sign-up', label: 'auth.signUp' },
];

interface Props {
  onSignedIn: (account: Account) => void;
  /** Prefills the sign-in email; with none, the form opens on "Create workspace". */
  lastEmail: string | null;
  /** Shown above the form, e.g. "your session has ended". */
  notice?: string;
  /** Extra controls in the corner (language). */
  corner?: ReactNode;
  /**
   * The shared workspace this computer joined: its users exist already (no workspace is
   * created from here), so only the sign-in form shows, naming the workspace.
   */
  joinedWorkspace?: string | null;
}

/** A centred card used by the screens before sign-in. */
export function WelcomeCard({ children, corner }: { children: ReactNode; corner?: ReactNode }) {
  const t = useT();
  return (
    <main className="relative flex min-h-screen items-center justify-center px-4 py-10">
      {corner && <div className="absolute top-4 right-4">{corner}</div>}
      <div className="card w-full max-w-[30rem] p-8">
        <div className="mb-6 flex items-center gap-3">
          <Logo />
          <div>
            <h1 className="m-0 text-xl">{t('app.name')}</h1>
            <p className="m-0 text-sm text-muted">{t('app.tagline')}</p>
          </div>
        </div>
        {children}
      </div>
    </main>
  );
}

export function Logo() {
  return (
    <span
      aria-hidden="true"
      className="inline-flex h-9 w-9 flex-none items-center justify-center rounded-[10px] bg-accent text-lg font-bold text-white"
    >
      ⇄
    </span>
  );
}

/** Sign in, or create a workspace; one form at a time, switched by two tabs. */
export function AuthScreen({ onSignedIn, lastEmail, notice, corner, joinedWorkspace }: Props) {
  const t = useT();
  const [mode, setMode] = useState<Mode>(lastEmail ? 'sign-in' : 'sign-up');
  if (joinedWorkspace) {
    return (
      <WelcomeCard corner={corner}>
        <h2 className="mt-0 mb-1 text-lg">{t('auth.signInTo', { name: joinedWorkspace })}</h2>
        <p className="mt-0 mb-5 text-sm text-muted">{t('auth.joinedLead')}</p>
        {notice && <p className="mt-0 mb-4 rounded-lg bg-accent-soft px-3 py-2 text-sm">{notice}</p>}
        <SignInForm onSignedIn={onSignedIn} lastEmail={lastEmail} />
      </WelcomeCard>
    );
  }
  // The ARIA tabs pattern: one tab in the Tab order, arrow keys move between tabs.
  const onTabKey = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return;
    event.preventDefault();
    const index = MODES.findIndex((m) => m.id === mode);
    const next =
      event.key === 'Home' ? 0
      : event.key === 'End' ? MODES.length - 1
      : (index + (event.key === 'ArrowRight' ? 1 : MODES.length - 1)) % MODES.length;
    setMode(MODES[next].id);
    document.getElementById(`tab-${MODES[next].id}`)?.focus();
  };
  return (
    <WelcomeCard corner={corner}>
      <div
        className="mb-5 grid grid-cols-2 gap-1 rounded-[10px] border border-line bg-subtle p-1"
        role="tablist"
        aria-label={t('auth.tabs')}
        onKeyDown={onTabKey}
      >
        {MODES.map(({ id, label }) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={mode === id}
            aria-controls="panel-auth"
            tabIndex={mode === id ? 0 : -1}
            className={`rounded-lg px-3 py-1.5 text-sm font-medium ${
              mode === id ? 'bg-surface font-semibold shadow-sm' : 'text-muted'
            }`}
            onClick={() => setMode(id)}
          >
            {t(label)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="panel-auth" aria-labelledby={`tab-${mode}`}>
        {notice && <p className="mt-0 mb-4 rounded-lg bg-accent-soft px-3 py-2 text-sm">{notice}</p>}
        {mode === 'sign-in' ? (
          <SignInForm key="sign-in" onSignedIn={onSignedIn} lastEmail={lastEmail} />
        ) : (
          <SignUpForm key="sign-up" onSignedIn={onSignedIn} />
        )}
      </div>
    </WelcomeCard>
  );
}

/** Runs a submit, keeping the pending flag and the inline error. */
function useSubmit(onSignedIn: (account: Account) => void) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const submit = async (action: () => Promise<Account>) => {
    setPending(true);
    setError(null);
    try {
      onSignedIn(await action());
    } catch (err) {
      setError(toBackendError(err));
      setPending(false);
    }
  };
  return { pending, error, submit };
}

function SignInForm({ onSignedIn, lastEmail }: { onSignedIn: Props['onSignedIn']; lastEmail: string | null }) {
  const t = useT();
  const [email, setEmail] = useState(lastEmail ?? '');
  const [password, setPassword] = useState('');
  const { pending, error, submit } = useSubmit(onSignedIn);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(() => backend.signIn({ email, password }));
  };
  return (
    <form onSubmit={onSubmit} aria-label={t('auth.signIn')} className="flex flex-col gap-4">
      <AccountFields
        email={email}
        onEmail={setEmail}
        password={password}
        onPassword={setPassword}
        autoFocusPassword={Boolean(lastEmail)}
      />
      {error && <ErrorAlert error={error} />}
      <button type="submit" className="btn btn-primary w-full py-2" disabled={pending}>
        {pending ? t('auth.signingIn') : t('auth.signIn')}
      </button>
    </form>
  );
}

function SignUpForm({ onSignedIn }: { onSignedIn: Props['onSignedIn'] }) {
  const t = useT();
  const [tenantName, setTenantName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { pending, error, submit } = useSubmit(onSignedIn);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(() => backend.signUp({ tenantName, email, password }));
  };
  return (
    <form onSubmit={onSubmit} aria-label={t('auth.signUp')} className="flex flex-col gap-4">
      <Field
        label={t('auth.workspaceName')}
        name="tenantName"
        autoComplete="organization"
        required
        value={tenantName}
        onChange={setTenantName}
        hint={t('auth.workspaceNameHint')}
      />
      <AccountFields email={email} onEmail={setEmail} password={password} onPassword={setPassword} isNew />
      {error && <ErrorAlert error={error} />}
      <button type="submit" className="btn btn-primary w-full py-2" disabled={pending}>
        {pending ? t('auth.signingUp') : t('auth.signUp')}
      </button>
    </form>
  );
}

/** An account's email and password: the ones to sign in with, or (`isNew`) the new account's. */
function AccountFields({
  email,
  onEmail,
  password,
  onPassword,
  isNew = false,
  autoFocusPassword,
}: {
  email: string;
  onEmail: (email: string) => void;
  password: string;
  onPassword: (password: string) => void;
  isNew?: boolean;
  autoFocusPassword?: boolean;
}) {
  const t = useT();
  return (
    <>
      <Field
        label={t('auth.email')}
        name="email"
        type="email"
        autoComplete="username"
        required
        value={email}
        onChange={onEmail}
      />
      <Field
        label={t('auth.password')}
        name="password"
        type="password"
        autoComplete={isNew ? 'new-password' : 'current-password'}
        required
        autoFocus={autoFocusPassword}
        minLength={isNew ? 8 : undefined}
        value={password}
        onChange={onPassword}
        hint={isNew ? t('auth.passwordHint') : undefined}
      />
    </>
  );
}
