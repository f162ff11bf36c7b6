/** Small lexical similarity used to pick candidate memories for a decision. */

const STOP = new Set(
  'a an the and or but of to in on at for with from by about as is am are was were be been being i me my mine we our you your he she it they them their user users user\'s has have had do does did not no so that this these those there here very really just also'.split(' '),
)

export function tokens(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((t) => !STOP.has(t))
    .map((t) => (t.length > 4 ? t.replace(/(ing|ed|es|s)$/, '') : t))
}

/** Overlap of two token sets, 0..1 (Dice coefficient). */
export function similarity(a: string, b: string): number {
  const ta = new Set(tokens(a))
  const tb = new Set(tokens(b))
  if (!ta.size || !tb.size) return 0
  let shared = 0
  for (const t of ta) if (tb.has(t)) shared++
  return (2 * shared) / (ta.size + tb.size)
}

/** The `k` items most similar to `query`, best first (stable for ties). */
export function topBySimilarity<T>(items: T[], text: (t: T) => string, query: string, k: number): T[] {
  return items
    .map((item, i) => ({ item, i, s: similarity(query, text(item)) }))
    .sort((x, y) => y.s - x.s || x.i - y.i)
    .slice(0, k)
    .map((x) => x.item)
}
