/**
 * Two sync servers on one PostgreSQL database and one Redis behave as one: a device on each sees
 * the other's writes, and every write either was told is synced survives a kill -9 of either
 * server (the writers gone too), on a brand-new device on the other server and after a restart.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openPostgres } from '../../src/server/postgres'
import { PostgresDocumentStore } from '../../src/server/PostgresDocumentStore'
import { SpaceRegistry } from '../../src/server/SpaceRegistry'
import { cleanups, connect, createSpaceIn, spawnServer, streamWrites, tempDir, waitFor, type Client } from './serverHarness'
import { missingServices, startPostgres, startRedis } from './services'

const missing = missingServices()
if (missing && process.env.CI) throw new Error(`the scale-out tests need Redis and PostgreSQL: ${missing}`)

async function opened(url: string, name: string, token: string): Promise<Client> {
  const c = connect(url, name, token)
  expect(await c.outcome).toEqual({ ok: true })
  await waitFor(() => !c.provider.hasUnsyncedChanges)
  return c
}

describe.skipIf(missing)('two sync servers on Redis and PostgreSQL', () => {
  it('pass writes between devices on different servers, and keep every acknowledged write when either is killed', async () => {
    const [redis, postgres] = await Promise.all([startRedis(), startPostgres()])
    const args = ['--postgres', postgres, '--redis', redis]
    const { spaceId, token } = await createSpaceIn(tempDir(), args)
    const servers = [await spawnServer(tempDir(), args), await spawnServer(tempDir(), args)]

    // a device on each server, one document
    const live = `${spaceId}/user/u1`
    const a = await opened(servers[0]!.url, live, token)
    const b = await opened(servers[1]!.url, live, token)
    a.doc.getMap('m').set('from-a', 'hello from A')
    await waitFor(() => b.doc.getMap('m').get('from-a') === 'hello from A')
    b.doc.getMap('m').set('from-b', 'hello from B')
    await waitFor(() => a.doc.getMap('m').get('from-b') === 'hello from B')
    a.destroy()
    b.destroy()

    for (const victim of [0, 1]) {
      const survivor = 1 - victim
      const name = `${spaceId}/user/u1/2026-${String(victim + 10)}`
      const onVictim = await opened(servers[victim]!.url, name, token)
      const onSurvivor = await opened(servers[survivor]!.url, name, token)
      const streams = [streamWrites(onVictim, 'v', 3), streamWrites(onSurvivor, 's', 3)]
      await new Promise((r) => setTimeout(r, 1500))
      servers[victim]!.child.kill('SIGKILL')
      expect(await servers[victim]!.exited).toBe('SIGKILL')
      const acknowledged = await Promise.all(streams.map((s) => s.stop()))
      onVictim.destroy()
      onSurvivor.destroy()
      expect(Math.min(...acknowledged)).toBeGreaterThan(10)
      const expected = [...Array.from({ length: acknowledged[0]! }, (_, n) => `v-${n}`), ...Array.from({ length: acknowledged[1]! }, (_, n) => `s-${n}`)]

      // a brand-new device on the server that lived, and one on the killed server once it is back
      servers[victim] = await spawnServer(tempDir(), args)
      for (const server of [servers[survivor]!, servers[victim]!]) {
        const fresh = await opened(server.url, name, token)
        const lacking = () => expected.filter((k) => !fresh.doc.getMap('messages').has(k))
        await waitFor(() => lacking().length === 0, 10_000).catch(() => undefined)
        expect({ victim, on: server === servers[victim] ? 'restarted' : 'survivor', lacking: lacking() }).toEqual({
          victim,
          on: server === servers[victim] ? 'restarted' : 'survivor',
          lacking: [],
        })
        fresh.destroy()
        fresh.socket.destroy()
      }
    }
  }, 120_000)
})

describe.skipIf(missing)('PostgresDocumentStore (shared by several servers)', () => {
  async function openStore() {
    const db = await openPostgres(await startPostgres())
    cleanups.push(() => db.close())
    await SpaceRegistry.open(db)
    return PostgresDocumentStore.open(db.pool)
  }
  const set = (doc: Y.Doc, key: string, value: string) => {
    let update: Uint8Array | null = null
    doc.once('update', (u: Uint8Array) => (update = u))
    doc.getMap('m').set(key, value)
    return update!
  }

  it("never replaces a row with a state that knows less, and catches a loaded copy up with another server's log", async () => {
    const store = await openStore()
    const one = new Y.Doc() // the document as server one holds it
    const two = new Y.Doc() // and server two, which never heard of one's write
    await store.append('s/d', set(one, 'a', 'from one'))
    await store.fold('s/d', one) // one's row holds a; the log is empty
    expect(await store.load('s/d')).toHaveLength(1)
    await store.append('s/d', set(two, 'b', 'from two'))
    await store.fold('s/d', two) // two folds: its copy first takes in the row
    expect(two.getMap('m').toJSON()).toEqual({ a: 'from one', b: 'from two' })
    const fresh = new Y.Doc()
    Y.applyUpdate(fresh, Y.mergeUpdates(await store.load('s/d')))
    expect(fresh.getMap('m').toJSON()).toEqual({ a: 'from one', b: 'from two' })

    await store.append('s/d', set(two, 'c', 'logged by two'))
    await store.catchUp('s/d', one)
    expect(one.getMap('m').toJSON()).toEqual({ a: 'from one', b: 'from two', c: 'logged by two' })
  }, 60_000)
})
