import type { AutoProcessor } from '../pipeline/AutoProcessor'
import type { ClientContext } from '../pipeline/context'
import type { KeepsakeDB } from '../store/db'
import type { ReplicatedStore } from '../sync/ReplicatedStore'

/**
 * What a MemoryClient is made of, kept off its public surface: the database, the replicated store,
 * the context its handles share and the auto-processor. Not exported from src/index.ts; the tests
 * and benchmarks reach it through one harness (tests/support/internals.ts).
 */
export interface ClientInternals {
  readonly db: KeepsakeDB
  readonly store: ReplicatedStore
  readonly ctx: ClientContext
  readonly autoProcessor: AutoProcessor
}

const registry = new WeakMap<object, ClientInternals>()

export function registerInternals(client: object, internals: ClientInternals): void {
  registry.set(client, internals)
}

export function internalsOf(client: object): ClientInternals {
  const found = registry.get(client)
  if (!found) throw new Error('internalsOf: not a MemoryClient')
  return found
}
