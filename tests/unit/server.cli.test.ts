import { describe, expect, it } from 'vitest'
import { createSpaceCredentials, deriveSpaceToken, parsePairingLink } from '../../src/core/spaceToken'
import { connect, runCli as cli, spawnServer, startServer, tempDir, waitFor as waitUpTo } from './serverHarness'

/** waitFor with this file's default of 10 s, polling every 20 ms. */
const waitFor = (check: () => boolean, timeoutMs = 10_000) => waitUpTo(check, timeoutMs, 20)

describe('sync server CLI', () => {
  it('--create-space registers a space and prints a pairing link that works', async () => {
    const data = tempDir()
    const run = cli([
      '--create-space',
      '--data',
      data,
      '--app-url',
      'http://localhost:4000',
      '--server-url',
      'ws://127.0.0.1:9999',
    ])
    expect(await run.exited).toBe(0)
    const line = run.stdout().split('\n').find((l) => l.includes('#pair='))
    expect(line).toBeDefined()
    expect(line!.startsWith('http://localhost:4000/#pair=')).toBe(true)
    const pairing = parsePairingLink(line!)
    expect(pairing.url).toBe('ws://127.0.0.1:9999')

    // the space is in the registry: a server on that folder (open registration off) admits it
    const server = await startServer({ dataDir: data })
    const token = await deriveSpaceToken(pairing.spaceId, pairing.secret)
    expect(await connect(server.url, `${pairing.spaceId}/space`, token).outcome).toEqual({ ok: true })
  })

  it('runs the server, and on SIGTERM stores every document and exits 0', async () => {
    const data = tempDir()
    const run = await spawnServer(data, ['--open-registration'])
    expect(run.stdout()).toContain('open registration ON')

    const creds = await createSpaceCredentials() // never registered: open registration admits it
    const c = connect(run.url, `${creds.spaceId}/user/u1`, creds.token)
    expect(await c.outcome).toEqual({ ok: true })
    c.doc.getMap('m').set('city', 'Berlin')
    await waitFor(() => !c.provider.hasUnsyncedChanges)

    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    expect(run.stdout()).toContain('every document is stored')

    const server = await startServer({ dataDir: data })
    const again = connect(server.url, `${creds.spaceId}/user/u1`, creds.token)
    expect(await again.outcome).toEqual({ ok: true })
    expect(again.doc.getMap('m').toJSON()).toEqual({ city: 'Berlin' })
  })

  it('reads the port from KEEPSAKE_SYNC_PORT and rejects unknown flags', async () => {
    const bad = cli(['--no-such-flag'])
    expect(await bad.exited).toBe(1)
    expect(bad.stderr()).toMatch(/no-such-flag/)

    const help = cli(['--help'])
    expect(await help.exited).toBe(0)
    expect(help.stdout()).toContain('--open-registration')

    const data = tempDir()
    const run = cli(['--data', data], { KEEPSAKE_SYNC_PORT: '0' })
    await waitFor(() => /listening on ws:\/\/127\.0\.0\.1:\d+/.test(run.stdout()))
    expect(run.stdout()).toContain('open registration off')
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(0)
  })
})
