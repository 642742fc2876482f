/**
 * A real switch: a button with role="switch", operable with Space and Enter. While busy it is
 * aria-disabled rather than disabled, so the keyboard focus stays on it.
 */
export function Switch({
  checked,
  label,
  disabled,
  describedBy,
  onChange,
}: {
  checked: boolean;
  /** The accessible name, e.g. "Enabled: Shop thời trang". */
  label: string;
  disabled?: boolean;
  /** The id of the element that explains it (aria-describedby). */
  describedBy?: string;
  onChange: (checked: boolean) => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      className="switch"
      aria-checked={checked}
      aria-label={label}
      aria-describedby={describedBy}
      aria-disabled={disabled || undefined}
      onClick={() => {
        if (!disabled) onChange(!checked);
      }}
    />
  );
}
