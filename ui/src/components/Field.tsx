import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

import { useT } from '../i18n';

/** A labelled input with an optional hint, wired with aria-describedby. */
export function Field({
  label,
  hint,
  optional,
  value,
  onChange,
  after,
  ...input
}: {
  label: string;
  hint?: ReactNode;
  optional?: boolean;
  value: string;
  onChange: (value: string) => void;
  after?: ReactNode;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  const id = useId();
  const t = useT();
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {optional && <span className="optional"> ({t('common.optional')})</span>}
      </label>
      <input
        id={id}
        className="input"
        value={value}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(event) => onChange(event.target.value)}
        {...input}
      />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {after}
    </div>
  );
}
