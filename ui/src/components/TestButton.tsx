import { useConnectivity } from '../connectivity';
import { useT } from '../i18n';
import type { Integration } from '../types';

/**
 * Tests an integration's connection: says so while the test runs, and is disabled offline (the
 * server runs the test), saying why.
 */
export function TestButton({
  integration,
  testing,
  label,
  ariaLabel,
  className,
  onTest,
}: {
  integration: Integration;
  testing: boolean;
  label: string;
  ariaLabel?: string;
  className: string;
  onTest: (integration: Integration) => void;
}) {
  const t = useT();
  const { offline } = useConnectivity();
  return (
    <button
      type="button"
      className={className}
      aria-label={ariaLabel}
      disabled={testing || offline}
      title={offline ? t('connectivity.needsServer') : undefined}
      onClick={() => onTest(integration)}
    >
      {testing ? t('common.testing') : label}
    </button>
  );
}
