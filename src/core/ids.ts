/**
 * UUIDv7 ids: they sort by creation time, so ids double as a stable tie-breaker for ordering.
 * Monotonic within one source even when many ids share a millisecond.
 */

export interface IdSourceOptions {
  /** the clock, in ms (default Date.now) */
  now?: () => number
  /** fills the array with random bytes (default crypto.getRandomValues) */
  random?: (bytes: Uint8Array) => void
}

/**
 * A source of UUIDv7 ids with its own clock, randomness and monotonic counter. The library uses
 * one per client (MemoryClient.open's `newId`); a test that replays a run exactly passes its own,
 * seeded one.
 */
export function createIdSource(options: IdSourceOptions = {}): () => string {
  const now = options.now ?? Date.now
  const random = options.random ?? ((b: Uint8Array) => void globalThis.crypto.getRandomValues(b as Uint8Array<ArrayBuffer>))
  let lastMs = 0
  let counter = 0
  return () => {
    let ms = now()
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
    const bytes = new Uint8Array(16)
    random(bytes)
    // 48-bit big-endian timestamp
    for (let i = 0; i < 6; i++) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) & 0xff
    // version 7 and a 12-bit monotonic counter in rand_a
    bytes[6] = 0x70 | ((counter >> 8) & 0x0f)
    bytes[7] = counter & 0xff
    bytes[8] = (bytes[8] & 0x3f) | 0x80
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }
}

/** The default id source: the system clock and crypto randomness. */
export const uuidv7: () => string = createIdSource()
