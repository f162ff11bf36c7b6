import type { ReactNode } from 'react'

/** What an empty list says: what it is, and how it fills. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      <p className="empty-text">{children}</p>
    </div>
  )
}
