/** Small helpers for benchmark tables. */
export function quantile(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b)
  if (!s.length) return NaN
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))
  return s[i]
}

export const median = (s: number[]) => quantile(s, 0.5)
export const p95 = (s: number[]) => quantile(s, 0.95)

export function table(title: string, rows: Record<string, string | number>[]): string {
  const cols = Object.keys(rows[0] ?? {})
  const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v)
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)))
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |'
  return [`\n${title}`, line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => fmt(r[c]))))].join('\n')
}

export async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now()
  const out = await fn()
  return [performance.now() - t0, out]
}
