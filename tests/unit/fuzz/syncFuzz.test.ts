import 'fake-indexeddb/auto'
import Dexie from 'dexie'
import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { createIdSource } from '../../../src/core/ids'
import { groupChains, isLive } from '../../../src/core/chains'
import { isOpenConflictStatus, type Decision, type MemoryRecord } from '../../../src/core/types'
import { MemoryClient, type Session, type User } from '../../../src/index'
import type { DecideInput } from '../../../src/engine/types'
import { ScriptedEngine } from '../../testDoubles'
import { HostilePeer } from './HostilePeer'
import { MemoryDevices } from './MemoryDevices'
import { RandomSource } from './RandomSource'
import { countMessages } from '../../../src/store/messageBlocks'
import { internals } from '../../support/internals'

/**
 * Convergence fuzz: 3 to 5 clients run seeded random operations (every public write, processing
 * with a scripted engine, conflicts and their answers, deletes) with random disconnects and random
 * delivery order. They sync through the in-process transport (src/sync/transport/memory.ts) with
 * the real sync driver, so the directory rules (which documents a device attaches, and when) are
 * the ones real devices follow. After a final full sync every client's Dexie projection and Y
 * documents must be equal (and equal to the hub's), and the version rules' invariants must hold.
 * In half the seeds a hostile peer (HostilePeer.ts: the space token, no schema) writes malformed
 * records at random meanwhile: the honest devices must still converge on the same valid projection,
 * report the same quarantined records, and keep the invariants over what is valid. FUZZ_SEEDS=N runs more seeds; a failing seed
 * is printed: pin it in PINNED_SEEDS. A seed replays exactly (see seededWorld), alone or after others.
 */
const SEEDS = Number(process.env.FUZZ_SEEDS ?? 200)
const FIRST_SEED = Number(process.env.FUZZ_FIRST_SEED ?? 1)
// 42: a user deleted on one device while another was away, then its directory entry overwritten by
// the hostile peer: the away device must still drop the user (the space's tombstones)
const PINNED_SEEDS: number[] = [42]

const PLACES = ['Paris', 'Berlin', 'Rome', 'Oslo']
const LIKES = ['jazz', 'tea', 'chess', 'hiking', 'sushi']
const DIET = ['User is vegetarian', 'User eats meat every day']

/** Test double: a deterministic engine over a tiny vocabulary of facts. */
function fuzzEngine(): ScriptedEngine {
  return new ScriptedEngine({
    decideFn: ({ fact, candidates }: DecideInput): Decision => {
      const same = candidates.find((c) => c.content === fact.content)
      if (same) return { kind: 'IGNORE', reason: 'duplicate' }
      if (fact.content.startsWith('User lives in')) {
        const old = candidates.filter((c) => c.content.startsWith('User lives in'))
        return old.length ? { kind: 'TEMPORAL_CONFLICT', memoryIds: old.map((c) => c.memoryId) } : { kind: 'INSERT' }
      }
      const other = DIET.find((d) => d !== fact.content)
      const contra = DIET.includes(fact.content) ? candidates.find((c) => c.content === other) : undefined
      if (contra) return { kind: 'MERGE_CONFLICT', memoryIds: [contra.memoryId], reason: 'diet' }
      if (fact.content.startsWith('User has a dog named')) {
        const dog = candidates.find((c) => c.content.startsWith('User has a dog'))
        if (dog) return { kind: 'ADDITION_TO_EXISTING_MEMORY', memoryId: dog.memoryId, content: fact.content }
      }
      const related = candidates.filter((c) => c.content.startsWith('User likes')).map((c) => c.memoryId)
      return { kind: 'INSERT', relatedMemoryIds: fact.content.startsWith('User likes') ? related.slice(0, 2) : [] }
    },
  })
}

function sentence(rng: RandomSource): string {
  switch (rng.int(5)) {
    case 0:
      return `User lives in ${rng.pick(PLACES)}`
    case 1:
      return `User likes ${rng.pick(LIKES)}`
    case 2:
      return rng.pick(DIET)
    case 3:
      return rng.chance(0.5) ? 'User has a dog' : `User has a dog named ${rng.pick(['Rex', 'Bo'])}`
    default:
      return `small talk ${rng.int(1000)}`
  }
}

async function pickUser(c: MemoryClient, rng: RandomSource): Promise<User | undefined> {
  const { users } = await c.listUsers({ limit: 100 })
  return users.length ? rng.pick(users) : undefined
}

async function pickSession(u: User, rng: RandomSource, status?: 'pending'): Promise<Session | undefined> {
  const { sessions } = await u.listSessions({ limit: 100, statusFilter: status })
  return sessions.length ? rng.pick(sessions) : undefined
}

/** A session's date: now (the current part) or one of three earlier months (older parts). */
function pastMonth(rng: RandomSource): Date | undefined {
  const back = rng.int(4)
  return back === 0 ? undefined : new Date(Date.UTC(2024, 12 - back * 3, 15, 12))
}

/** One random operation of a client; errors a real user could meet (a deleted session...) are fine. */
async function step(c: MemoryClient, rng: RandomSource, n: number): Promise<void> {
  const op = rng.int(1000)
  if (op < 40) {
    await c.createUser(`user${rng.int(2)}`, { name: `N${n}`, metadata: { n } }).catch(() => undefined)
    return
  }
  const u = await pickUser(c, rng)
  if (!u) return
  try {
    if (op < 80) await u.update({ name: `name${n}`, newMetadata: { v: n, nested: { k: rng.int(3) } } })
    else if (op < 90) await u.update({ newUserId: `user${rng.int(3)}` })
    // sessions of this month and of older months: writes to new and old parts of the history
    else if (op < 150) await u.createSession({ metadata: { s: n }, customCreatedAtUtc: pastMonth(rng) })
    else if (op < 500) {
      const s = (await pickSession(u, rng, 'pending')) ?? (await u.createSession({ customCreatedAtUtc: pastMonth(rng) }))
      await s.addMessage(rng.chance(0.9) ? 'user' : 'assistant', sentence(rng))
    } else if (op < 700) {
      const s = await pickSession(u, rng, 'pending')
      if (s && s.lastMessageAt) await s.process()
    } else if (op < 780) {
      const pending = (await u.listMergeConflicts({ status: 'PENDING', limit: 100 })).conflicts
      if (pending.length) {
        const conflict = rng.pick(pending)
        await conflict.resolve(conflict.clarifyingQuestions.map((q) => ({ question: q.question, answer: rng.pick(q.options) })))
      }
    } else if (op < 840) {
      const { items } = await u.listMemories({ limit: 200 })
      if (items.length) {
        const m = rng.pick(items)
        const versions = [m, ...(m.previousVersions ?? [])]
        await u.deleteMemory(rng.pick(versions).memoryId, { deletePreviousVersions: rng.chance(0.3) })
      }
    } else if (op < 880) await u.addDoc({ title: `doc${n}`, content: `content ${n}`, metadata: { n } })
    else if (op < 900) {
      const { docs } = await u.listDocs()
      if (docs.length) await u.deleteDoc(rng.pick(docs).docId)
    } else if (op < 930) {
      const s = await pickSession(u, rng)
      if (s) await s.update({ newMetadata: { edited: n } })
    } else if (op < 945) {
      const s = await pickSession(u, rng)
      if (s) await s.delete()
    } else if (op < 975) await c.updateSettings({ mergeConflictsEnabled: rng.chance(0.7) })
    else if (op < 980) await u.delete()
    else await u.update({ mergeConflictEnabled: rng.pick([true, false, null]) })
  } catch (e) {
    const name = (e as Error).name
    if (!/NotFound|AlreadyExists|InvalidSessionState|AlreadyResolved/.test(name)) throw e
  }
}

/** Two devices apart each move the same user: the classic way a chain gets two live heads. */
async function splitBrain(clients: MemoryClient[], net: MemoryDevices, rng: RandomSource, n: number): Promise<void> {
  const i = rng.int(clients.length)
  const j = (i + 1 + rng.int(clients.length - 1)) % clients.length
  const users = (await clients[i].listUsers({ limit: 100 })).users
  if (!users.length) return
  const userId = rng.pick(users).userId
  net.setOnline(i, false)
  net.setOnline(j, false)
  for (const k of [i, j]) {
    try {
      const u = await clients[k].getUser(userId)
      const s = await u.createSession({ metadata: { split: n } })
      await s.addMessage('user', `User lives in ${rng.pick(PLACES)}`)
      await s.process()
    } catch (e) {
      if (!/NotFound|InvalidSessionState/.test((e as Error).name)) throw e
    }
  }
}

const PROJECTED = ['settings', 'directory', 'users', 'docs', 'sessions', 'messageBlocks', 'memories', 'connections', 'conflicts']

/** JSON with every object's keys sorted, at every depth (a message block holds message objects). */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(value) ?? 'null'
}

async function dump(c: MemoryClient): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const t of PROJECTED) {
    const rows = await internals(c).db.table(t).toArray()
    out[t] = rows.map(stableJson).sort()
  }
  return out
}

async function ydump(c: MemoryClient, names: Iterable<string>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  const stored = new Set(await internals(c).store.storedDocNames())
  for (const n of [...names].sort()) {
    if (!stored.has(n)) continue
    out[n] = sortedJson(await internals(c).store.getDoc(n))
  }
  return out
}

function sortedJson(doc: Y.Doc): unknown {
  return JSON.parse(JSON.stringify(doc.toJSON(), (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v)))
}

/**
 * The version rules' invariants over the valid projection. A version the hostile peer corrupted is
 * quarantined, so a link to it (or a connection to its chain) may dangle: `quarantined` names them.
 */
function checkInvariants(memories: MemoryRecord[], connections: { chainA: string; chainB: string }[], openConflicts: Set<string>, label: string, quarantined: Set<string> = new Set()): void {
  const byId = new Map(memories.map((m) => [m.memoryId, m]))
  const chains = groupChains(memories)
  for (const [chainId, chain] of chains) {
    const heads = chain.filter(isLive)
    if (heads.length > 1) {
      const held = heads.every((h) => h.pendingConflictId && openConflicts.has(h.pendingConflictId))
      expect(held, `${label}: chain ${chainId} has ${heads.length} live heads and no open conflict`).toBe(true)
    }
    for (const m of chain) if (m.prevVersionId && !quarantined.has(m.prevVersionId)) expect(byId.has(m.prevVersionId), `${label}: ${m.memoryId} links to a missing version: ${JSON.stringify(chain)}`).toBe(true)
  }
  if (quarantined.size) return // (a connection's chain may be all quarantined versions)
  for (const c of connections) expect(chains.has(c.chainA) && chains.has(c.chainB), `${label}: dangling connection ${JSON.stringify(c)}`).toBe(true)
}

const totals = { memories: 0, versions: 0, conflicts: 0, syncConflicts: 0, messages: 0, users: 0, hostileSeeds: 0, hostileWrites: 0, quarantined: 0 }

/**
 * Everything random in a run comes from the seed, through MemoryClient.open's options: ids (their
 * random bits, and their clock, the run's clock), Yjs client ids (they decide which of two
 * concurrent edits wins; each device draws from its own range, so two never share one), the
 * operations and the delivery order. So a seed replays exactly, with no global patched.
 */
function seededOptions(seed: number, device: number, clock: () => number) {
  const bits = new RandomSource((seed * 2654435761 + device * 40503) >>> 0)
  return {
    newId: createIdSource({ now: clock, random: (b) => b.forEach((_, i) => (b[i] = bits.int(256))) }),
    yClientId: () => (device + 1) * 0x1000000 + bits.int(0x1000000),
  }
}

/** The final state of a run, for comparing two runs of one seed. */
async function fingerprint(c: MemoryClient, names: Iterable<string>): Promise<string> {
  const docs: Record<string, number[]> = {}
  const stored = new Set(await internals(c).store.storedDocNames())
  for (const n of [...names].sort()) if (stored.has(n)) docs[n] = [...Y.encodeStateAsUpdate(await internals(c).store.getDoc(n))]
  return JSON.stringify({ rows: await dump(c), docs })
}

async function runSeed(seed: number): Promise<string> {
  const rng = new RandomSource(seed)
  const net = new MemoryDevices(rng)
  const count = 3 + rng.int(3)
  const clients = net.clients
  let hostileLog: string[] = []
  let t = Date.UTC(2025, 0, 1)
  const now = () => new Date(t)
  try {
    for (let i = 0; i < count; i++) {
      await net.add({ dbName: `fuzz-${seed}-${i}`, engine: fuzzEngine(), now, autoProcess: false, ...seededOptions(seed, i, () => t) })
    }
    await net.settle()
    const hostile = rng.chance(0.5) ? new HostilePeer(net.hub, new RandomSource((seed * 7919) >>> 0)) : null
    if (hostile) hostileLog = hostile.log
    if (rng.chance(0.7)) await clients[0].updateSettings({ mergeConflictsEnabled: true })
    const steps = 40 + rng.int(40)
    for (let n = 0; n < steps; n++) {
      t += 1000 * (1 + rng.int(60))
      const i = rng.int(count)
      if (rng.chance(0.15)) net.setOnline(i, !net.isOnline(i))
      if (rng.chance(0.04)) await splitBrain(clients, net, rng, n)
      else await step(clients[i], rng, n)
      if (hostile && rng.chance(0.15)) hostile.strike()
      await net.deliverSome(rng.int(12))
    }
    // Final full sync, then the cross-device repairs, until nothing changes.
    let rounds = 0
    for (; rounds < 8; rounds++) {
      await net.settle()
      await new Promise((r) => setTimeout(r, 80)) // reconciles scheduled by remote changes
      await net.settle()
      let changed = false
      for (const c of clients) for (const e of await internals(c).db.directory.toArray()) if (e.userId && !e.deletedAt) changed = (await c.reconcile(e.uid)) || changed
      if (!changed) break
    }
    expect(rounds, `seed ${seed}: cross-device repairs did not settle`).toBeLessThan(8)
    await net.settle()
    const names = await net.docNames()
    const first = await dump(clients[0])
    const firstY = await ydump(clients[0], names)
    for (let i = 1; i < count; i++) {
      expect(await dump(clients[i]), `seed ${seed}: projection of client ${i} differs from client 0`).toEqual(first)
      expect(await ydump(clients[i], names), `seed ${seed}: Y documents of client ${i} differ from client 0`).toEqual(firstY)
    }
    // the hub holds what the devices hold: every live document, and none of a deleted user
    expect(Object.keys(firstY).sort(), `seed ${seed}: documents on the hub`).toEqual(net.hub.documentNames().sort())
    for (const [name, json] of Object.entries(firstY)) {
      const doc = net.hub.document(name)!
      for (const map of Object.keys(json as object)) doc.getMap(map) // (toJSON lists only the types asked for)
      expect(sortedJson(doc), `seed ${seed}: hub's ${name}`).toEqual(json)
    }
    // every honest device reports the same quarantined records
    // (a problem's parts are listed in the order the device's Y map holds the fields: compared as a set)
    const problems = async (c: MemoryClient) => (await c.listSyncProblems()).map((p) => `${p.key} ${p.kind} ${p.problem.split('; ').sort().join('; ')}`).sort()
    const firstProblems = await problems(clients[0])
    for (let i = 1; i < count; i++) expect(await problems(clients[i]), `seed ${seed}: sync problems of client ${i} differ from client 0`).toEqual(firstProblems)
    if (!hostile) expect(firstProblems, `seed ${seed}: problems with no hostile peer`).toEqual([])
    const quarantined = new Set((await clients[0].listSyncProblems()).filter((p) => p.kind === 'memory').map((p) => p.recordId))
    const memories = (await internals(clients[0]).db.memories.toArray()) as MemoryRecord[]
    const conflicts = await internals(clients[0]).db.conflicts.toArray()
    const open = new Set(conflicts.filter((c) => isOpenConflictStatus(c.status)).map((c) => c.conflictId))
    const dir = await internals(clients[0]).db.directory.toArray()
    // A user whose directory entry the hostile peer broke (or left without a userId) is suspended (not listed, no writes, no
    // cross-device repairs) until a valid write of the entry: the invariants are for live users.
    const live = new Set(dir.filter((e) => e.userId && !e.deletedAt).map((e) => e.uid))
    const ofLive = <T extends { uid: string }>(rows: T[]) => (hostile ? rows.filter((r) => live.has(r.uid)) : rows)
    checkInvariants(ofLive(memories), ofLive(await internals(clients[0]).db.connections.toArray()), open, `seed ${seed} ${JSON.stringify(dir)}`, quarantined)
    if (hostile?.log.length) {
      totals.hostileSeeds++
      totals.hostileWrites += hostile.log.length
    }
    totals.quarantined += firstProblems.length
    totals.versions += memories.length
    totals.memories += memories.filter(isLive).length
    totals.conflicts += conflicts.length
    totals.syncConflicts += conflicts.filter((c) => c.origin === 'sync').length
    totals.messages += await countMessages(internals(clients[0]).db)
    totals.users += await internals(clients[0]).db.users.count()
    return await fingerprint(clients[0], names)
  } catch (e) {
    console.error(`sync fuzz: seed ${seed} failed (pin it in PINNED_SEEDS; replay with FUZZ_FIRST_SEED=${seed} FUZZ_SEEDS=1)`)
    if (hostileLog.length) console.error(`the hostile peer wrote:\n  ${hostileLog.join('\n  ')}`)
    throw e
  } finally {
    for (const c of clients) c.close()
    for (let i = 0; i < count; i++) await Dexie.delete(`fuzz-${seed}-${i}`)
  }
}

describe('sync convergence fuzz', () => {
  for (const seed of PINNED_SEEDS) test(`pinned seed ${seed}`, () => runSeed(seed), 60_000)
  test('a seed replays exactly, whatever ran before it', async () => {
    const once = await runSeed(7)
    await runSeed(3)
    const again = await runSeed(7)
    expect(JSON.parse(again).rows).toEqual(JSON.parse(once).rows) // (a readable diff first)
    expect(again).toBe(once)
  }, 120_000)
  test(`${SEEDS} random seeds from ${FIRST_SEED}`, async () => {
    const started = Date.now()
    for (let s = FIRST_SEED; s < FIRST_SEED + SEEDS; s++) await runSeed(s)
    console.log(`sync fuzz: ${SEEDS} seeds converged in ${((Date.now() - started) / 1000).toFixed(1)} s; in all: ${JSON.stringify(totals)}`)
    // the fuzz must exercise what it claims to: versions, conflicts of both kinds
    expect(totals.versions).toBeGreaterThan(totals.memories)
    expect(totals.conflicts).toBeGreaterThan(0)
    expect(totals.syncConflicts).toBeGreaterThan(0)
    // and the hostile peer's records were written and quarantined
    expect(totals.hostileWrites).toBeGreaterThan(0)
    expect(totals.quarantined).toBeGreaterThan(0)
  }, 1_800_000)
})
