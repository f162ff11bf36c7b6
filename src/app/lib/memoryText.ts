import type { ExpirationReason, UserMemoryItem } from '../../index'

/** How a version ended, in words, for the version timeline. */
export const REASON_LABELS: Record<ExpirationReason, string> = {
  ADDITION_TO_EXISTING_MEMORY: 'Added to',
  TEMPORAL_CONFLICT: 'Changed over time',
  MERGE_CONFLICT: 'Replaced after a contradiction',
  USER_EDIT: 'Edited by you',
}

export function reasonLabel(reason: ExpirationReason | null | undefined): string {
  return reason ? REASON_LABELS[reason] : 'Replaced'
}

/** "food_preferences" -> "food preferences" */
export function categoryLabel(name: string): string {
  return name.replace(/_/g, ' ')
}

export interface MemoryFilter {
  query: string
  categories: string[]
  sessionId: string | null
}

/** Memories matching the search text (content or category), every chosen category, and the chat filter. */
export function filterMemories(items: UserMemoryItem[], f: MemoryFilter): UserMemoryItem[] {
  const q = f.query.trim().toLowerCase()
  return items.filter(
    (m) =>
      (!q || m.content.toLowerCase().includes(q) || m.categories.some((c) => categoryLabel(c).includes(q))) &&
      f.categories.every((c) => m.categories.includes(c)) &&
      (!f.sessionId || m.sessionId === f.sessionId),
  )
}

/** Categories used by the memories, most used first, with their counts. */
export function categoryCounts(items: UserMemoryItem[]): { name: string; count: number }[] {
  const counts = new Map<string, number>()
  for (const m of items) for (const c of m.categories) counts.set(c, (counts.get(c) ?? 0) + 1)
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
}
