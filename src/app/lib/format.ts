const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' })
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })
const full = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' })
const fullTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()
}

/** "14:05", "Yesterday", "12 Jan", "12 Jan 2024": short, for lists. */
export function shortDate(d: Date, now = new Date()): string {
  const days = Math.round((startOfDay(now) - startOfDay(d)) / 86_400_000)
  if (days === 0) return time.format(d)
  if (days === 1) return 'Yesterday'
  if (d.getFullYear() === now.getFullYear()) return dayMonth.format(d)
  return full.format(d)
}

/** "12 Jan 2025, 14:05": for titles and tooltips. */
export function longDate(d: Date): string {
  return fullTime.format(d)
}

/** "12 Jan 2025", or a range "3 Jan 2025 – 5 Jan 2025" when the end differs. */
export function dateRange(start: Date | null | undefined, end: Date | null | undefined): string | null {
  if (!start) return null
  const a = full.format(start)
  if (!end) return a
  const b = full.format(end)
  return a === b ? a : `${a} – ${b}`
}

/** A user id proposed from a display name: "Ada Lovelace" -> "ada-lovelace". */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
}

/** A one-line title from a message: the first line, trimmed to about 60 characters. */
export function titleFrom(text: string, max = 60): string {
  const line = text.trim().split('\n')[0].trim()
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
