import { describe, expect, it, vi } from 'vitest'
import { createSpaceCredentials } from '../../src/core/spaceToken'
import { createServerLog, LINES_PER_SECOND, quote, renderMessage } from '../../src/server/log'
import { cleanups, spawnServer, tempDir, waitFor as waitUpTo } from './serverHarness'
import { authenticate, authFrame, openRawSocket, sendGarbageUpdate, varString } from './syncFrames'

/** waitFor with this file's default of 10 s. */
const waitFor = (check: () => boolean, timeoutMs = 10_000) => waitUpTo(check, timeoutMs)

/** The real server as a child process on a temp folder. */
const serverProcess = (args: string[]) => spawnServer(tempDir(), args)

const FORGED = '[keepsake-sync] registered space FAKE on first use'
const STACK = /^\s+at /m

// ------------------------------------------------------------------ tests

describe('log values are escaped and bounded', () => {
  it('quote() escapes quotes, backslashes, control and line-breaking characters and says how much it cut', () => {
    expect(quote('a"b\\c\nd\re\tf\u0000g\u001bh\u2028i\u202ej')).toBe('"a\\"b\\\\c\\nd\\re\\tf\\u0000g\\u001bh\\u2028i\\u202ej"')
    expect(quote('x'.repeat(100_000))).toBe(`"${'x'.repeat(120)}"…(+99880 chars)`)
    // a surrogate pair is never cut in half
    expect(quote(`${'x'.repeat(119)}😀`)).toBe(`"${'x'.repeat(119)}"…(+2 chars)`)
    expect(renderMessage('refused {doc}: {code} ({why:text})', { doc: 'a\nb', code: 'x', why: 'a "b"\n' })).toBe('refused "a\\nb": "x" (a \\"b\\"\\n)')
  })
})

describe('log volume', () => {
  it('writes at most LINES_PER_SECOND lines of one event a second, and then says how many it did not', async () => {
    const written: string[] = []
    const spy = vi.spyOn(console, 'warn').mockImplementation((line: string) => void written.push(line))
    cleanups.push(() => spy.mockRestore())
    const log = createServerLog()
    // (started right after a second begins, so the burst falls in one second)
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5))
    for (let i = 0; i < 500; i++) log('warn', 'auth-refused', 'refused {document}', { document: `d${i}` })
    log('warn', 'other-event', 'another event is not held back')
    expect(written).toHaveLength(LINES_PER_SECOND + 1)
    await new Promise((r) => setTimeout(r, 1000))
    log('warn', 'auth-refused', 'refused {document}', { document: 'later' })
    expect(written.at(-1)).toBe(`[keepsake-sync] refused "later" (${500 - LINES_PER_SECOND} more auth-refused lines not written)`)
  })
})

describe('server log lines from client input (real server process)', () => {
  it('a document name with newlines, a 100 kB name and a malformed frame each give exactly one escaped, bounded line and no stack trace', async () => {
    const server = await serverProcess(['--open-registration'])
    const ws = await openRawSocket(server.url)

    // 1. a name that tries to forge a line of its own
    const forging = `x\n${FORGED}\n`
    ws.ws.send(authFrame(forging, ''))
    await waitFor(() => server.output().includes('FAKE'))
    // 2. a 100 kB name
    ws.ws.send(authFrame('n'.repeat(100_000), ''))
    await waitFor(() => server.output().includes('(+'))
    // 3. a frame that cannot be read (the name's length runs past the end)
    ws.ws.send(new Uint8Array([0xff, 0xff, 0xff, 0x0f, 1, 2]))
    expect((await ws.closed).code).toBe(1002)
    await waitFor(() => server.output().includes('malformed-frame'))
    await new Promise((r) => setTimeout(r, 300))

    const lines = server.lines()
    const fake = lines.filter((l) => l.includes('FAKE'))
    expect(fake).toHaveLength(1)
    expect(fake[0]).toContain('refused "x\\n[keepsake-sync] registered space FAKE on first use\\n": invalid-document-name')
    expect(lines.some((l) => l.startsWith(FORGED))).toBe(false)

    const long = lines.filter((l) => l.includes('nnnnnnnnnn'))
    expect(long).toHaveLength(1)
    expect(long[0]).toContain(`"${'n'.repeat(120)}"…(+99880 chars)`)
    expect(long[0].length).toBeLessThan(400)

    const malformed = lines.filter((l) => l.includes('malformed-frame'))
    expect(malformed).toHaveLength(1)
    expect(malformed[0]).toMatch(/^\[keepsake-sync\] closed a socket from [^ ]+: malformed-frame \(no document name and type \(.*\)\)$/)
    expect(server.output()).not.toMatch(STACK)
    expect(lines.every((l) => l.startsWith('[keepsake-sync] '))).toBe(true)
  }, 30_000)

  it('a message refused in beforeHandleMessage is one line, and Hocuspocus prints nothing', async () => {
    const server = await serverProcess(['--open-registration'])
    const creds = await createSpaceCredentials()
    const name = `${creds.spaceId}/space`
    const ws = await openRawSocket(server.url)
    await authenticate(ws, name, creds.token, 10_000)
    await sendGarbageUpdate(ws, name, 10_000) // the server closes this document
    // an unknown message type on an authenticated document closes the socket, also in one line
    ws.ws.send(new Uint8Array([...varString(name), 42]))
    expect((await ws.closed).code).toBe(1002)
    await new Promise((r) => setTimeout(r, 300))

    const lines = server.lines()
    expect(lines.filter((l) => l.includes('malformed-update'))).toHaveLength(1)
    expect(lines.filter((l) => l.includes('unknown message type 42'))).toHaveLength(1)
    expect(server.output()).not.toMatch(STACK)
    expect(server.output()).not.toContain('closing connection')
    expect(server.output()).not.toContain('[beforeHandleMessage]')
    expect(lines.every((l) => l.startsWith('[keepsake-sync] '))).toBe(true)
  }, 30_000)

  it('--log-format json writes one parseable JSON object per line, client values kept as bounded fields', async () => {
    const server = await serverProcess(['--log-format', 'json'])
    const ws = await openRawSocket(server.url)
    ws.ws.send(authFrame(`x\n${FORGED}`, ''))
    ws.ws.send(authFrame('n'.repeat(100_000), ''))
    await waitFor(() => server.lines().length >= 3)
    ws.ws.send(new Uint8Array([0xff, 0xff, 0xff, 0x0f]))
    await ws.closed
    await waitFor(() => server.output().includes('malformed-frame'))

    const records = server.lines().map((l) => JSON.parse(l) as Record<string, unknown>)
    for (const r of records) {
      expect(typeof r.time).toBe('string')
      expect(Number.isNaN(Date.parse(r.time as string))).toBe(false)
      expect(['info', 'warn', 'error']).toContain(r.level)
      expect(typeof r.event).toBe('string')
      expect(typeof r.message).toBe('string')
    }
    expect(records[0]).toMatchObject({ level: 'info', event: 'listening' })
    const refused = records.filter((r) => r.event === 'auth-refused')
    expect(refused).toHaveLength(2)
    expect(refused[0]).toMatchObject({ document: `x\n${FORGED}`, code: 'invalid-document-name' })
    expect(refused[1]).toMatchObject({ document: 'n'.repeat(120), documentCut: 99_880 })
    expect(records.filter((r) => r.event === 'socket-closed')).toMatchObject([{ code: 'malformed-frame' }])
  }, 30_000)
})
