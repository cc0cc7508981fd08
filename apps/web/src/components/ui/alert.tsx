import type { ReactNode } from 'react';

/** A message box: `error` and `warning` are alerts (read out at once), `success` and `info` polite status. */
export function Alert({ kind, children, title }: { kind: 'error' | 'warning' | 'success' | 'info'; children: ReactNode; title?: string }) {
  const urgent = kind === 'error' || kind === 'warning';
  return (
    <div className={`alert alert-${kind}`} role={urgent ? 'alert' : 'status'}>
      {title ? <strong className="alert-title">{title}</strong> : null}
      <div>{children}</div>
    </div>
  );
}
