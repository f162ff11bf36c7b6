const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB']

/** "0 bytes", "840 KB", "1.2 GB": decimal units, as browsers and disks count. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 bytes'
  let i = 0
  let v = n
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000
    i++
  }
  const digits = i === 0 || v >= 100 ? 0 : 1
  return `${v.toFixed(digits).replace(/\.0$/, '')} ${UNITS[i]}`
}

/** GPU memory as web-llm lists it (MB): "1.9 GB", "580 MB". */
export function formatVram(mb: number | null): string | null {
  if (mb === null) return null
  return mb >= 1000 ? `${(mb / 1000).toFixed(1)} GB` : `${mb} MB`
}
