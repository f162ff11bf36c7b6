/** Grey placeholder lines while data loads; hidden from assistive tech, which gets aria-busy instead. */
export function Skeleton({ lines = 3, className = '' }: { lines?: number; className?: string }) {
  return (
    <div className={`skeleton ${className}`} aria-hidden="true">
      {Array.from({ length: lines }, (_, i) => (
        <span key={i} className="skeleton-line" style={{ width: `${92 - ((i * 23) % 40)}%` }} />
      ))}
    </div>
  )
}
