//! A day of a custom range, described by the range's problem while there is one.

export function DateField({
  label,
  value,
  invalid,
  onChange,
}: {
  label: string;
  value: string;
  invalid: boolean;
  onChange: (value: string) => void;
}) {
  const id = `analytics-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="date"
        className="input"
        value={value}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? 'analytics-range-problem' : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}
