/** "keepsake-2025-01-12.json" (the local date), or "keepsake-ada-2025-01-12.json" for one profile. */
export function backupFileName(date: Date, label?: string): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
  const safe = label
    ?.toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
  return safe ? `keepsake-${safe}-${day}.json` : `keepsake-${day}.json`
}

/** Hands a JSON value to the browser as a file download. */
export function downloadJson(value: unknown, fileName: string): void {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  // Revoked on a later task: the download has started by then.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
