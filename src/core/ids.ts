/**
 * UUIDv7 ids: they sort by creation time, so ids double as a stable tie-breaker for ordering.
 * Monotonic within one process even when many ids share a millisecond.
 */
let lastMs = 0
let counter = 0

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n)
  globalThis.crypto.getRandomValues(b)
  return b
}

/** Starts the monotonic part afresh. Only for tests that replay a run exactly (the sync fuzz). */
export function resetIdClockForTests(): void {
  lastMs = 0
  counter = 0
}

export function uuidv7(): string {
  let ms = Date.now()
  if (ms <= lastMs) {
    counter++
    if (counter > 0xfff) {
      lastMs++
      counter = 0
    }
    ms = lastMs
  } else {
    lastMs = ms
    counter = 0
  }
  const bytes = randomBytes(16)
  // 48-bit big-endian timestamp
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff
  // version 7 and a 12-bit monotonic counter in rand_a
  bytes[6] = 0x70 | ((counter >> 8) & 0x0f)
  bytes[7] = counter & 0xff
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
