import { internalsOf, type ClientInternals } from '../../src/client/internals'
import type { MemoryClient } from '../../src/index'

/**
 * The one way tests and benchmarks reach a client's internals (its Dexie database, replicated store,
 * context and auto-processor), which the public API does not expose.
 */
export function internals(client: MemoryClient): ClientInternals {
  return internalsOf(client)
}
