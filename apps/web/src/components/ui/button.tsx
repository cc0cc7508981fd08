import type { ButtonHTMLAttributes } from 'react';

type Props = ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'secondary' | 'danger'; busy?: boolean };

export function Button({ variant = 'primary', busy, children, disabled, className, ...rest }: Props) {
  return (
    <button {...rest} className={`btn btn-${variant}${className ? ` ${className}` : ''}`} disabled={disabled || busy} aria-busy={busy || undefined}>
      {busy ? 'Working…' : children}
    </button>
  );
}
