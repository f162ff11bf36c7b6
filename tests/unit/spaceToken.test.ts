import { createHash, createHmac, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors'
import {
  base64UrlDecode,
  base64UrlEncode,
  createSpaceCredentials,
  deriveLegacySpaceToken,
  deriveSelfCertifyingSpace,
  deriveSpaceToken,
  hashToken,
  isValidSpaceId,
  isWellFormedSecret,
  isWellFormedToken,
  pairingLink,
  parsePairingLink,
  parseSyncDocumentName,
  parseSyncRejectReason,
  spaceIdOfToken,
  syncDocumentName,
  syncRejectReason,
} from '../../src/core/spaceToken'

const b64url = (buf: Buffer) => buf.toString('base64url')

describe('space credentials and tokens', () => {
  it('creates random credentials of the documented shapes', async () => {
    const a = await createSpaceCredentials()
    const b = await createSpaceCredentials()
    expect(a.spaceId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(base64UrlDecode(a.spaceId)).toHaveLength(16)
    expect(base64UrlDecode(a.secret)).toHaveLength(32)
    expect(a.token).toBe(await deriveSpaceToken(a.spaceId, a.secret))
    expect(a.spaceId).not.toBe(b.spaceId)
    expect(a.secret).not.toBe(b.secret)
    expect(isValidSpaceId(a.spaceId) && isWellFormedSecret(a.secret) && isWellFormedToken(a.token)).toBe(true)
  })

  it('derives base64url(HMAC-SHA256(secret, "keepsake-sync-token/v1:" + spaceId)) for a legacy (random) space id', async () => {
    const { secret } = await createSpaceCredentials()
    const spaceId = b64url(randomBytes(16))
    const expected = b64url(createHmac('sha256', secret).update(`keepsake-sync-token/v1:${spaceId}`).digest())
    expect(await deriveSpaceToken(spaceId, secret)).toBe(expected)
    expect(await deriveSpaceToken(spaceId, secret)).toBe(expected) // deterministic
    const other = await createSpaceCredentials()
    expect(await deriveSpaceToken(other.spaceId, secret)).not.toBe(expected)
    expect(await deriveSpaceToken(spaceId, other.secret)).not.toBe(expected)
  })

  it('new spaces are self-certifying: token = HMAC(secret, "keepsake-sync-token/v2"), id = SHA-256("keepsake-space-id/v2:" + token)[0..16]', async () => {
    const { secret } = await createSpaceCredentials()
    const token = b64url(createHmac('sha256', secret).update('keepsake-sync-token/v2').digest())
    const spaceId = b64url(createHash('sha256').update(`keepsake-space-id/v2:${token}`).digest().subarray(0, 16))
    expect(await deriveSelfCertifyingSpace(secret)).toEqual({ spaceId, secret, token })
    expect(await deriveSelfCertifyingSpace(secret)).toEqual({ spaceId, secret, token }) // deterministic
    expect(await spaceIdOfToken(token)).toBe(spaceId)
    expect(await deriveSpaceToken(spaceId, secret)).toBe(token)
    // distinct contexts: the v2 token is not the v1 token of the same id, the id is not a prefix of
    // the token's plain hash (what the server stores), and another secret gives another space
    expect(await deriveLegacySpaceToken(spaceId, secret)).not.toBe(token)
    expect(b64url(createHash('sha256').update(token).digest().subarray(0, 16))).not.toBe(spaceId)
    expect((await hashToken(token)).startsWith(Buffer.from(base64UrlDecode(spaceId)).toString('hex'))).toBe(false)
    const other = await deriveSelfCertifyingSpace((await createSpaceCredentials()).secret)
    expect(other.spaceId).not.toBe(spaceId)
    expect(other.token).not.toBe(token)
    // created credentials are self-certifying
    const created = await createSpaceCredentials()
    expect(await spaceIdOfToken(created.token)).toBe(created.spaceId)
    expect(await spaceIdOfToken('not a token')).toBeNull()
    await expect(deriveSelfCertifyingSpace('short')).rejects.toBeInstanceOf(ValidationError)
  })

  it('hashes tokens as hex SHA-256', async () => {
    const { token } = await createSpaceCredentials()
    expect(await hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'))
    await expect(hashToken('')).rejects.toBeInstanceOf(ValidationError)
  })

  it('rejects malformed inputs with ValidationError', async () => {
    const { spaceId, secret } = await createSpaceCredentials()
    await expect(deriveSpaceToken('short', secret)).rejects.toThrow(/spaceId/)
    await expect(deriveSpaceToken(spaceId, '')).rejects.toBeInstanceOf(ValidationError)
    await expect(deriveSpaceToken(spaceId, secret + '!')).rejects.toThrow(/secret/)
  })

  it('round-trips base64url', () => {
    const bytes = new Uint8Array(256).map((_, i) => i)
    expect(base64UrlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'))
    expect(Array.from(base64UrlDecode(base64UrlEncode(bytes)))).toEqual(Array.from(bytes))
    expect(() => base64UrlDecode('a+b/')).toThrow(ValidationError)
  })

  it('imports nothing from Node (the file runs in browsers)', () => {
    const source = readFileSync(new URL('../../src/core/spaceToken.ts', import.meta.url), 'utf8')
    const imports = [...source.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1])
    expect(imports.every((spec) => spec.startsWith('./'))).toBe(true)
    expect(source).not.toMatch(/\bBuffer\b|\brequire\(|process\./)
  })
})

describe('pairing links', () => {
  it('puts everything in the fragment and parses back', async () => {
    const { spaceId, secret } = await createSpaceCredentials()
    const link = pairingLink('http://localhost:5173', { serverUrl: 'ws://127.0.0.1:1234', spaceId, secret })
    expect(link.startsWith('http://localhost:5173/#pair=')).toBe(true)
    const url = new URL(link)
    expect(url.search).toBe('')
    expect(url.pathname).toBe('/')
    const json = JSON.parse(Buffer.from(link.split('#pair=')[1], 'base64url').toString('utf8'))
    expect(json).toEqual({ v: 1, url: 'ws://127.0.0.1:1234', spaceId, secret })
    expect(parsePairingLink(link)).toEqual({ v: 1, url: 'ws://127.0.0.1:1234', spaceId, secret })
    // just the fragment, and with surrounding whitespace, also work
    expect(parsePairingLink(`  #pair=${link.split('#pair=')[1]}\n`).spaceId).toBe(spaceId)
  })

  it('normalises the app URL (trailing slash, existing fragment, sub-path)', async () => {
    const { spaceId, secret } = await createSpaceCredentials()
    const opts = { serverUrl: 'wss://sync.example.org', spaceId, secret }
    expect(pairingLink('https://app.example.org/', opts)).toMatch(/^https:\/\/app\.example\.org\/#pair=/)
    expect(pairingLink('https://x.org/keepsake/#old', opts)).toMatch(/^https:\/\/x\.org\/keepsake\/#pair=/)
    expect(() => pairingLink('ftp://x', opts)).toThrow(/appUrl/)
    expect(() => pairingLink('http://x', { ...opts, serverUrl: 'http://sync' })).toThrow(/ws:\/\//)
    expect(() => pairingLink('http://x', { ...opts, secret: 'nope' })).toThrow(/secret/)
  })

  it('explains what is wrong with a bad link', async () => {
    const { spaceId, secret } = await createSpaceCredentials()
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
    expect(() => parsePairingLink('')).toThrow(/empty/)
    expect(() => parsePairingLink('http://localhost:5173/')).toThrow(/no "#pair=" part/)
    expect(() => parsePairingLink('http://localhost:5173/#pair=%%%')).toThrow(/damaged/)
    expect(() => parsePairingLink('http://h/#pair=' + enc([1]))).toThrow(/not an object/)
    expect(() => parsePairingLink('http://h/#pair=' + enc({ v: 2, url: 'ws://a', spaceId, secret }))).toThrow(
      /version 2/,
    )
    expect(() => parsePairingLink('http://h/#pair=' + enc({ v: 1, url: 'http://a', spaceId, secret }))).toThrow(
      /ws:\/\//,
    )
    expect(() => parsePairingLink('http://h/#pair=' + enc({ v: 1, url: 'ws://a', spaceId: 'x', secret }))).toThrow(
      /space id/,
    )
    expect(() => parsePairingLink('http://h/#pair=' + enc({ v: 1, url: 'ws://a', spaceId }))).toThrow(/secret/)
    const link = pairingLink('http://h', { serverUrl: 'ws://a', spaceId, secret })
    expect(() => parsePairingLink(link.slice(0, -10))).toThrow(ValidationError)
  })
})

describe('sync document names and reject reasons', () => {
  it('builds and parses <spaceId>/<docName>', async () => {
    const { spaceId } = await createSpaceCredentials()
    expect(syncDocumentName(spaceId, 'space')).toBe(`${spaceId}/space`)
    expect(parseSyncDocumentName(`${spaceId}/user/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b`)).toEqual({
      spaceId,
      docName: 'user/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    })
    for (const bad of ['space', `${spaceId}/`, `${spaceId}//x`, `bad/space`, `${spaceId}/a b`, `${spaceId}/${'x'.repeat(201)}`]) {
      expect(parseSyncDocumentName(bad)).toBeNull()
    }
    expect(() => syncDocumentName(spaceId, '')).toThrow(ValidationError)
  })

  it('formats and parses reject reasons', () => {
    const reason = syncRejectReason('wrong-token', 'the token is not the one for this space')
    expect(parseSyncRejectReason(reason)).toEqual({ code: 'wrong-token', message: reason })
    expect(parseSyncRejectReason('permission-denied').code).toBeNull()
  })
})
