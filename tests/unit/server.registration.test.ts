import { join } from 'node:path'
import { HocuspocusProvider } from '@hocuspocus/provider'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import {
  base64UrlEncode,
  createSpaceCredentials,
  deriveLegacySpaceToken,
  deriveSpaceToken,
  hashToken,
  pairingLink,
  parseSyncRejectReason,
} from '../../src/core/spaceToken'
import { SQLITE_FILE_NAME, type SyncServerOptions } from '../../src/server'
import { openSqlite } from '../../src/server/db'
import { OpenRegistration } from '../../src/server/openRegistration'
import { SpaceRegistry } from '../../src/server/SpaceRegistry'
import { HocuspocusTransport } from '../../src/sync/transport/hocuspocus'
import { cleanups, connect as connectOn, expectDenied, newSocket, readMap, runCli, spawnServer, startServer, tempDir, waitFor, write, type Client } from './serverHarness'

// ------------------------------------------------------------------ helpers (the rest in serverHarness.ts)

/** The in-process server, open registration on unless told otherwise. */
const start = (options: SyncServerOptions = {}) => startServer({ openRegistration: true, ...options })

/** A device on a socket of its own, which `destroy()` closes too. */
const connect = (url: string, name: string, token: string): Client => connectOn(url, name, token, undefined, { closeSocket: true })

/** A space as Keepsake created them before self-certifying ids: a random id, the v1 token. */
async function legacySpace(): Promise<{ spaceId: string; secret: string; token: string }> {
  const { secret } = await createSpaceCredentials()
  const spaceId = base64UrlEncode(crypto.getRandomValues(new Uint8Array(16)))
  return { spaceId, secret, token: await deriveLegacySpaceToken(spaceId, secret) }
}

// ------------------------------------------------------------------ tests

describe('open registration of self-certifying spaces', () => {
  it('a squatter who knows a new space id cannot register it; the owner then registers, syncs, and keeps it after a restart', async () => {
    const dataDir = tempDir()
    const server = await start({ dataDir })
    const owner = await createSpaceCredentials()
    const squatter = await createSpaceCredentials()
    const other = await createSpaceCredentials()
    const name = `${owner.spaceId}/space`

    // its own well-formed token (v2), a v1 token for the id made with its own secret, the token of
    // another space that is registered here (a replayed proof)
    expect(await connect(server.url, `${other.spaceId}/space`, other.token).outcome).toEqual({ ok: true })
    const reason = await expectDenied(connect(server.url, name, squatter.token), 'unproven-space')
    expect(reason).toContain(owner.spaceId)
    await expectDenied(connect(server.url, name, await deriveLegacySpaceToken(owner.spaceId, squatter.secret)), 'unproven-space')
    await expectDenied(connect(server.url, name, other.token), 'unproven-space')

    const first = connect(server.url, name, owner.token)
    expect(await first.outcome).toEqual({ ok: true })
    await write(first, 'hello', 'world')
    // once registered, the squatter's token is just a wrong token
    await expectDenied(connect(server.url, name, squatter.token), 'wrong-token')
    first.destroy()

    // no secret-equivalent in the logs: neither the token nor the secret
    const logged = server.logs.map((l) => l.message).join('\n')
    expect(logged).toContain(`registered space ${owner.spaceId} on first use`)
    for (const s of [owner.token, owner.secret, squatter.token, squatter.secret]) expect(logged).not.toContain(s)
    await server.stop()

    const again = await start({ dataDir })
    expect(await readMap(again.url, name, owner.token)).toEqual({ hello: 'world' })
    await expectDenied(connect(again.url, name, squatter.token), 'wrong-token')
    // and with open registration off, too
    await again.stop()
    const closed = await start({ dataDir, openRegistration: false })
    expect(await readMap(closed.url, name, owner.token)).toEqual({ hello: 'world' })
  })

  it('spaces registered before the change keep working with their v1 tokens; an unregistered legacy space is refused with a reason', async () => {
    const dataDir = tempDir()
    const registered = await legacySpace()
    const db = await openSqlite(join(dataDir, SQLITE_FILE_NAME))
    const registry = await SpaceRegistry.open(db)
    await registry.register(registered.spaceId, await hashToken(registered.token), 'first-use')
    await db.close()

    const server = await start({ dataDir })
    // what a device that paired before the change presents: deriveSpaceToken gives it the v1 token
    expect(await deriveSpaceToken(registered.spaceId, registered.secret)).toBe(registered.token)
    const c = connect(server.url, `${registered.spaceId}/user/u1`, registered.token)
    expect(await c.outcome).toEqual({ ok: true })
    await write(c, 'still', 'here')

    const unregistered = await legacySpace()
    const reason = await expectDenied(connect(server.url, `${unregistered.spaceId}/space`, unregistered.token), 'unproven-space')
    expect(reason).toMatch(/older Keepsake/)
    // a server-created space (createSpace / --create-space) needs no proof and is not capped
    const created = await server.createSpace()
    expect(await connect(server.url, `${created.spaceId}/space`, created.token).outcome).toEqual({ ok: true })
  })

  it('stops at the total cap with too-many-spaces; spaces already in keep working and createSpace is not capped', async () => {
    const dataDir = tempDir()
    const server = await start({ dataDir, limits: { maxOpenSpaces: 3 } })
    const spaces = [await createSpaceCredentials(), await createSpaceCredentials(), await createSpaceCredentials()]
    for (const s of spaces) expect(await connect(server.url, `${s.spaceId}/space`, s.token).outcome).toEqual({ ok: true })
    const late = await createSpaceCredentials()
    const t0 = performance.now()
    const reason = await expectDenied(connect(server.url, `${late.spaceId}/space`, late.token), 'too-many-spaces')
    const refusedMs = performance.now() - t0
    expect(reason).toContain('maxOpenSpaces')
    expect(await connect(server.url, `${spaces[0].spaceId}/user/u1`, spaces[0].token).outcome).toEqual({ ok: true })
    const created = await server.createSpace()
    expect(await connect(server.url, `${created.spaceId}/space`, created.token).outcome).toEqual({ ok: true })
    await server.stop()

    // the cap counts the spaces in the registry, also after a restart
    const again = await start({ dataDir, limits: { maxOpenSpaces: 3 } })
    await expectDenied(connect(again.url, `${late.spaceId}/space`, late.token), 'too-many-spaces')
    console.log(`too-many-spaces refused a connection in ${refusedMs.toFixed(1)} ms (connect to refusal)`)
  })

  it('rate-limits new spaces per address with registration-rate-limited; a new device opening several documents at once counts once', async () => {
    const server = await start({ limits: { registrationsPerMinutePerAddress: 2, registrationsPerMinute: 100 } })
    const a = await createSpaceCredentials()
    const b = await createSpaceCredentials()
    const c = await createSpaceCredentials()
    // a's first connection opens three documents at once
    const opened = [connect(server.url, `${a.spaceId}/space`, a.token), connect(server.url, `${a.spaceId}/user/u1`, a.token), connect(server.url, `${a.spaceId}/user/u2`, a.token)]
    for (const o of opened) expect(await o.outcome).toEqual({ ok: true })
    expect(await connect(server.url, `${b.spaceId}/space`, b.token).outcome).toEqual({ ok: true })
    const reason = await expectDenied(connect(server.url, `${c.spaceId}/space`, c.token), 'registration-rate-limited')
    expect(reason).toMatch(/try again in \d+ s/)
    // registered spaces are not limited
    expect(await connect(server.url, `${a.spaceId}/user/u3`, a.token).outcome).toEqual({ ok: true })
    expect(server.logs.filter((l) => l.message.includes('on first use')).length).toBe(2)
  })

  it('a flood of new spaces sent at once on one socket gets exactly the limit in, the rest refused', async () => {
    const server = await start({ limits: { registrationsPerMinutePerAddress: 10, registrationsPerMinute: 100, maxOpenSpaces: 1000 } })
    const socket = newSocket(server.url)
    const spaces = await Promise.all(Array.from({ length: 60 }, () => createSpaceCredentials()))
    const t0 = performance.now()
    const codes = await Promise.all(
      spaces.map((s) => {
        const doc = new Y.Doc()
        const provider = new HocuspocusProvider({ websocketProvider: socket, name: `${s.spaceId}/space`, token: s.token, document: doc })
        provider.attach()
        cleanups.push(() => provider.destroy())
        return new Promise<string>((resolve) => {
          provider.on('synced', () => resolve('ok'))
          provider.on('authenticationFailed', ({ reason }: { reason: string }) => resolve(parseSyncRejectReason(reason).code ?? reason))
        })
      }),
    )
    const ms = performance.now() - t0
    expect(codes.filter((c) => c === 'ok')).toHaveLength(10)
    expect(codes.filter((c) => c === 'registration-rate-limited')).toHaveLength(50)
    expect(server.logs.filter((l) => l.message.includes('on first use'))).toHaveLength(10)
    console.log(`60 new spaces at once from one address: 10 in, 50 refused in ${ms.toFixed(0)} ms`)

    // the same for the total cap
    const capped = await start({ limits: { registrationsPerMinutePerAddress: 1000, registrationsPerMinute: 1000, maxOpenSpaces: 5 } })
    const socket2 = newSocket(capped.url)
    const codes2 = await Promise.all(
      spaces.slice(0, 20).map((s) => {
        const provider = new HocuspocusProvider({ websocketProvider: socket2, name: `${s.spaceId}/space`, token: s.token, document: new Y.Doc() })
        provider.attach()
        cleanups.push(() => provider.destroy())
        return new Promise<string>((resolve) => {
          provider.on('synced', () => resolve('ok'))
          provider.on('authenticationFailed', ({ reason }: { reason: string }) => resolve(parseSyncRejectReason(reason).code ?? reason))
        })
      }),
    )
    expect(codes2.filter((c) => c === 'ok')).toHaveLength(5)
    expect(codes2.filter((c) => c === 'too-many-spaces')).toHaveLength(15)
  })

  it('the zero-set-up path: the credentials the app creates register on first use through the real client transport, and a paired device syncs', async () => {
    const server = await start()
    // what syncStore.start does: createSpaceCredentials, then connect with { url, spaceId, secret }
    const { spaceId, secret } = await createSpaceCredentials()
    const config = { url: server.url, spaceId, secret }
    const devices: { transport: HocuspocusTransport; doc: Y.Doc; synced: Set<string> }[] = []
    const device = () => {
      const transport = new HocuspocusTransport(config, { WebSocketPolyfill: WebSocket })
      const doc = new Y.Doc()
      const synced = new Set<string>()
      transport.start({ onSynced: (name) => synced.add(name), onChange: () => undefined })
      transport.attach('space', doc)
      cleanups.push(() => transport.destroy())
      devices.push({ transport, doc, synced })
      return devices[devices.length - 1]
    }
    const first = device()
    await waitFor(() => first.synced.has('space') || first.transport.connection().error !== undefined)
    expect(first.transport.connection().error).toBeUndefined()
    expect(server.logs.some((l) => l.message.includes(`registered space ${spaceId} on first use`))).toBe(true)
    first.doc.getMap('m').set('from', 'first device')
    first.transport.send('space', Y.encodeStateAsUpdate(first.doc))
    await waitFor(() => first.transport.documentStatus('space')?.pending === 0)

    const second = device() // a device that opened the pairing link: same spaceId and secret
    await waitFor(() => second.synced.has('space'))
    expect(second.doc.getMap('m').toJSON()).toEqual({ from: 'first device' })
  })
})

describe('OpenRegistration limits (in-process clock)', () => {
  it('holds the per-address and the overall limit within a minute and lets registrations in again after it', async () => {
    const db = await openSqlite(':memory:')
    cleanups.push(() => db.close())
    const registry = await SpaceRegistry.open(db)
    let now = 1_000_000
    const logs: string[] = []
    const reg = new OpenRegistration(registry, { maxOpenSpaces: 100, registrationsPerMinutePerAddress: 2, registrationsPerMinute: 3 }, (_l, m) => logs.push(m), () => now)
    const attempt = async (address: string) => {
      const s = await createSpaceCredentials()
      const r = await reg.register(s.spaceId, s.token, address)
      return r.ok ? 'ok' : r.code
    }
    expect(await attempt('10.0.0.1')).toBe('ok')
    expect(await attempt('10.0.0.1')).toBe('ok')
    expect(await attempt('10.0.0.1')).toBe('registration-rate-limited') // per address
    expect(await attempt('10.0.0.2')).toBe('ok')
    expect(await attempt('10.0.0.3')).toBe('registration-rate-limited') // overall
    now += 60_001
    expect(await attempt('10.0.0.1')).toBe('ok')
    expect(await attempt('10.0.0.3')).toBe('ok')
    expect(await registry.countSpaces('first-use')).toBe(5)

    // cost of the proof check on a refused squat (no registry access at all)
    const owner = await createSpaceCredentials()
    const squatter = await createSpaceCredentials()
    const n = 2000
    const t0 = performance.now()
    for (let i = 0; i < n; i++) expect((await reg.register(owner.spaceId, squatter.token, '10.0.0.9')).ok).toBe(false)
    console.log(`unproven-space check: ${(((performance.now() - t0) / n) * 1000).toFixed(1)} µs per refused registration`)
  })
})

describe('CLI flags for the registration limits', () => {
  it('--max-open-spaces reaches the server (and --help lists the flags)', async () => {
    const { url } = await spawnServer(tempDir(), ['--open-registration', '--max-open-spaces', '1', '--registrations-per-minute', '5'])
    const a = await createSpaceCredentials()
    const b = await createSpaceCredentials()
    expect(await connect(url, `${a.spaceId}/space`, a.token).outcome).toEqual({ ok: true })
    await expectDenied(connect(url, `${b.spaceId}/space`, b.token), 'too-many-spaces')

    const help = runCli(['--help'])
    await help.exited
    const text = help.stdout()
    for (const flag of ['--max-open-spaces', '--registrations-per-minute-per-address', '--registrations-per-minute']) expect(text).toContain(flag)
  })
})

describe('--register-link', () => {
  it('registers a legacy space from its pairing link, so open registration no longer needs to prove it', async () => {
    const dataDir = tempDir()
    const legacy = await legacySpace()
    const link = pairingLink('http://localhost:5173', { serverUrl: 'ws://127.0.0.1:1234', spaceId: legacy.spaceId, secret: legacy.secret })
    const run = async (args: string[]) => {
      const child = runCli(args)
      return { code: await child.exited, out: child.stdout() }
    }
    const server = await start({ dataDir })
    await expectDenied(connect(server.url, `${legacy.spaceId}/space`, legacy.token), 'unproven-space')
    const first = await run(['--register-link', link, '--data', dataDir])
    expect(first).toEqual({ code: 0, out: expect.stringContaining(`Registered space ${legacy.spaceId}`) })
    expect(await connect(server.url, `${legacy.spaceId}/space`, legacy.token).outcome).toEqual({ ok: true })
    // another secret for the same id does not replace the key on record
    const other = pairingLink('http://localhost:5173', { serverUrl: 'ws://127.0.0.1:1234', spaceId: legacy.spaceId, secret: (await createSpaceCredentials()).secret })
    const clash = await run(['--register-link', other, '--data', dataDir])
    expect(clash.code).toBe(1)
    expect(clash.out).toContain('with another key')
    expect(await connect(server.url, `${legacy.spaceId}/user/u1`, legacy.token).outcome).toEqual({ ok: true })
  })
})
