import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';

import { toBackendError, type Backend } from '../backend';
import type { Account, ErrorPayload } from '../types';
import { ErrorAlert } from './ErrorAlert';

type Mode = 'sign-in' | 'sign-up';

const MODES: { id: Mode; label: string }[] = [
  { id: 'sign-in', label: 'Sign in' },
  { id: 'sign-up', label: 'Create workspace' },
];

interface Props {
  api: Backend;
  onSignedIn: (account: Account) => void;
  /** Shown above the form, e.g. "your session has ended". */
  notice?: string;
}

/** Sign in, or create a workspace; one form at a time, switched by two tabs. */
export function AuthScreen({ api, onSignedIn, notice }: Props) {
  const [mode, setMode] = useState<Mode>('sign-in');
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
    <main className="auth">
      <div className="auth-card">
        <h1 className="brand">Integration Manager</h1>
        <p className="tagline">Meta Ads and Pancake POS for your shop, in one place.</p>
        <div className="tabs" role="tablist" aria-label="Account" onKeyDown={onTabKey}>
          {MODES.map(({ id, label }) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`tab-${id}`}
              aria-selected={mode === id}
              aria-controls="panel-auth"
              tabIndex={mode === id ? 0 : -1}
              onClick={() => setMode(id)}
            >
              {label}
            </button>
          ))}
        </div>
        <div role="tabpanel" id="panel-auth" aria-labelledby={`tab-${mode}`}>
          {notice && <p className="notice">{notice}</p>}
          {mode === 'sign-in' ? (
            <SignInForm key="sign-in" api={api} onSignedIn={onSignedIn} />
          ) : (
            <SignUpForm key="sign-up" api={api} onSignedIn={onSignedIn} />
          )}
        </div>
      </div>
    </main>
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

function Field(props: {
  label: string;
  name: string;
  type: string;
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  minLength?: number;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type}
        autoComplete={props.autoComplete}
        value={props.value}
        required
        minLength={props.minLength}
        aria-describedby={props.hint ? hintId : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint && (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

function SignInForm({ api, onSignedIn }: Omit<Props, 'notice'>) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { pending, error, submit } = useSubmit(onSignedIn);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(() => api.signIn({ email, password }));
  };
  return (
    <form onSubmit={onSubmit} aria-label="Sign in">
      <Field label="Email" name="email" type="email" autoComplete="username" value={email} onChange={setEmail} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
      />
      {error && <ErrorAlert error={error} />}
      <button type="submit" className="primary" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function SignUpForm({ api, onSignedIn }: Omit<Props, 'notice'>) {
  const [tenantName, setTenantName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { pending, error, submit } = useSubmit(onSignedIn);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(() => api.signUp({ tenantName, email, password }));
  };
  return (
    <form onSubmit={onSubmit} aria-label="Create workspace">
      <Field
        label="Workspace name"
        name="tenantName"
        type="text"
        autoComplete="organization"
        value={tenantName}
        onChange={setTenantName}
        hint="Usually your shop's name, e.g. Shop thời trang Hà Nội."
      />
      <Field label="Email" name="email" type="email" autoComplete="username" value={email} onChange={setEmail} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
        minLength={8}
        hint="At least 8 characters."
      />
      {error && <ErrorAlert error={error} />}
      <button type="submit" className="primary" disabled={pending}>
        {pending ? 'Creating workspace…' : 'Create workspace'}
      </button>
    </form>
  );
}
