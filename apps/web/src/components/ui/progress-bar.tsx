/** A progress display screen readers understand: role="progressbar" with its values and a text. */
export function ProgressBar({ value, max = 100, label, valueText }: { value: number; max?: number; label: string; valueText: string }) {
  const clamped = Math.max(0, Math.min(value, max));
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={clamped} aria-valuetext={valueText}>
      <div className="progress-fill" style={{ width: `${max > 0 ? (clamped / max) * 100 : 0}%` }} />
    </div>
  );
}
