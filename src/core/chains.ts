import type { ConnectionRecord, MemoryRecord } from './types'

/**
 * Reading memory chains. A chain is every version sharing a `chainId`; versions are ordered by when
 * they were recorded (createdAt, then id, which is a UUIDv7 and so also time-ordered). Version numbers
 * are computed from the chain as it is now, so they stay right after deletions.
 */

export function compareVersions(a: MemoryRecord, b: MemoryRecord): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1
  return a.memoryId < b.memoryId ? -1 : a.memoryId > b.memoryId ? 1 : 0
}

/** Versions of one chain, oldest first. */
export function orderChain(versions: Iterable<MemoryRecord>): MemoryRecord[] {
  return [...versions].sort(compareVersions)
}

export function isLive(m: MemoryRecord): boolean {
  return !m.expiredAt
}

/** Groups records by chain, each chain ordered oldest first. */
export function groupChains(records: Iterable<MemoryRecord>): Map<string, MemoryRecord[]> {
  const chains = new Map<string, MemoryRecord[]>()
  for (const r of records) {
    const c = chains.get(r.chainId)
    if (c) c.push(r)
    else chains.set(r.chainId, [r])
  }
  for (const c of chains.values()) c.sort(compareVersions)
  return chains
}

export interface VersionInfo {
  versionNumber: number
  totalVersions: number
  hasPreviousVersions: boolean
  /** the versions before this one, newest first */
  previous: MemoryRecord[]
}

export function versionInfo(chain: MemoryRecord[], memoryId: string): VersionInfo {
  const i = chain.findIndex((m) => m.memoryId === memoryId)
  if (i < 0) throw new Error(`memory ${memoryId} is not in its chain`)
  return {
    versionNumber: i + 1,
    totalVersions: chain.length,
    hasPreviousVersions: i > 0,
    previous: chain.slice(0, i).reverse(),
  }
}

export function connectionId(chainX: string, chainY: string): string {
  const [a, b] = chainX < chainY ? [chainX, chainY] : [chainY, chainX]
  return `${a}|${b}`
}

export function makeConnection(uid: string, chainX: string, chainY: string, createdAt: string): ConnectionRecord | null {
  if (chainX === chainY) return null
  const [a, b] = chainX < chainY ? [chainX, chainY] : [chainY, chainX]
  return { connectionId: connectionId(a, b), uid, chainA: a, chainB: b, createdAt }
}

/** The chains connected to `chainId`. */
export function connectedChains(connections: Iterable<ConnectionRecord>, chainId: string): string[] {
  const out: string[] = []
  for (const c of connections) {
    if (c.chainA === chainId) out.push(c.chainB)
    else if (c.chainB === chainId) out.push(c.chainA)
  }
  return out
}
