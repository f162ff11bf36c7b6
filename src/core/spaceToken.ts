/**
 * Space credentials, sync tokens and pairing links: the contract between clients and the sync
 * server. WebCrypto only (globalThis.crypto), no Node imports: this file runs in browsers too.
 *
 * - A *space* is protected by a `secret` (32 random bytes, base64url: 43 chars) that never leaves
 *   the person's devices, and identified by `spaceId` (16 bytes, base64url: 22 chars).
 * - Self-certifying spaces (v2, every space created since open registration had to be proven):
 *   token = base64url(HMAC-SHA256(key = UTF-8 bytes of the secret string, msg =
 *   'keepsake-sync-token/v2')) and spaceId = base64url(first 16 bytes of SHA-256(
 *   'keepsake-space-id/v2:' + token)). The id is a commitment to the token: a server that has never
 *   seen the space checks the id against the presented token (spaceIdOfToken) before it registers
 *   it, so nobody who knows only the id (or the token of another space) can register it first.
 * - Legacy spaces (v1: random id, created before that): token = base64url(HMAC-SHA256(secret,
 *   'keepsake-sync-token/v1:' + spaceId)). deriveSpaceToken picks the formula by checking whether
 *   the id is the secret's own v2 id, so old pairing links and devices keep their tokens.
 * - The server stores only hashToken(token) (hex SHA-256), so it never sees the secret.
 * - A pairing link carries everything in the URL fragment (never sent to any server):
 *   `<appUrl>/#pair=<base64url(JSON {v: 1, url, spaceId, secret})>`.
 * - Hocuspocus document names are `<spaceId>/<docName>` (docName e.g. `space` or `user/<uid>`).
 */
import { ValidationError } from './errors'

export const SPACE_ID_BYTES = 16
export const SPACE_SECRET_BYTES = 32
/** v1 (legacy, random space ids): the token's HMAC message is this + spaceId. */
export const SYNC_TOKEN_CONTEXT = 'keepsake-sync-token/v1:'
/** v2 (self-certifying space ids): the token's HMAC message. */
export const SYNC_TOKEN_CONTEXT_V2 = 'keepsake-sync-token/v2'
/** v2: spaceId = first SPACE_ID_BYTES of SHA-256(this + token). */
export const SPACE_ID_CONTEXT = 'keepsake-space-id/v2:'

export interface SpaceCredentials {
  spaceId: string
  secret: string
  /** deriveSpaceToken(spaceId, secret): what a client presents to the sync server. */
  token: string
}

export interface PairingPayload {
  v: 1
  /** The sync server's WebSocket URL (ws:// or wss://). */
  url: string
  spaceId: string
  secret: string
}

const SPACE_ID_RE = /^[A-Za-z0-9_-]{22}$/
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/
const DOC_NAME_SEGMENT_RE = /^[A-Za-z0-9._:-]+$/
export const MAX_DOC_NAME_LENGTH = 200

// ---------------------------------------------------------------- base64url

export function base64UrlEncode(bytes: Uint8Array): string {
  let bin = ''
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i])
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Throws ValidationError on characters outside the base64url alphabet. */
export function base64UrlDecode(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new ValidationError('Not a base64url string')
  }
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function randomBase64Url(n: number): string {
  const bytes = new Uint8Array(n)
  globalThis.crypto.getRandomValues(bytes)
  return base64UrlEncode(bytes)
}

// ---------------------------------------------------------------- shapes

export function isValidSpaceId(value: unknown): value is string {
  return typeof value === 'string' && SPACE_ID_RE.test(value)
}

export function isWellFormedSecret(value: unknown): value is string {
  return typeof value === 'string' && SECRET_RE.test(value)
}

/** True for a string shaped like a derived token (43 base64url chars); says nothing of its validity. */
export function isWellFormedToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_RE.test(value)
}

// ---------------------------------------------------------------- tokens

async function hmac(secret: string, message: string): Promise<string> {
  const enc = new TextEncoder()
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    enc.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return base64UrlEncode(new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, enc.encode(message))))
}

function checkSecret(secret: string): void {
  if (!isWellFormedSecret(secret)) {
    throw new ValidationError('secret must be 43 base64url characters (32 random bytes)', 'secret')
  }
}

/**
 * The space id a v2 token certifies: base64url(first 16 bytes of SHA-256('keepsake-space-id/v2:' +
 * token)). What the server checks before it registers an unknown space; null for a string not
 * shaped like a token.
 */
export async function spaceIdOfToken(token: string): Promise<string | null> {
  if (!isWellFormedToken(token)) return null
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(SPACE_ID_CONTEXT + token))
  return base64UrlEncode(new Uint8Array(digest).slice(0, SPACE_ID_BYTES))
}

/** The v2 (self-certifying) credentials of a secret: its token and the space id that token proves. */
export async function deriveSelfCertifyingSpace(secret: string): Promise<SpaceCredentials> {
  checkSecret(secret)
  const token = await hmac(secret, SYNC_TOKEN_CONTEXT_V2)
  return { spaceId: (await spaceIdOfToken(token))!, secret, token }
}

/**
 * The token a client presents for the space: the v2 token when spaceId is the secret's own
 * self-certifying id, else the legacy v1 token (spaces created with random ids keep theirs).
 */
export async function deriveSpaceToken(spaceId: string, secret: string): Promise<string> {
  if (!isValidSpaceId(spaceId)) {
    throw new ValidationError('spaceId must be 22 base64url characters (16 random bytes)', 'spaceId')
  }
  checkSecret(secret)
  const v2 = await deriveSelfCertifyingSpace(secret)
  if (v2.spaceId === spaceId) return v2.token
  return hmac(secret, SYNC_TOKEN_CONTEXT + spaceId)
}

/** The legacy v1 token (random space ids); deriveSpaceToken uses it for any id that is not self-certifying. */
export async function deriveLegacySpaceToken(spaceId: string, secret: string): Promise<string> {
  if (!isValidSpaceId(spaceId)) throw new ValidationError('spaceId is not a valid space id', 'spaceId')
  checkSecret(secret)
  return hmac(secret, SYNC_TOKEN_CONTEXT + spaceId)
}

/** Lowercase hex SHA-256 of the token's UTF-8 bytes: what the server stores. */
export async function hashToken(token: string): Promise<string> {
  if (typeof token !== 'string' || token.length === 0) {
    throw new ValidationError('token must be a non-empty string', 'token')
  }
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A new space: a random secret and its self-certifying id and token (v2). */
export async function createSpaceCredentials(): Promise<SpaceCredentials> {
  return deriveSelfCertifyingSpace(randomBase64Url(SPACE_SECRET_BYTES))
}

// ---------------------------------------------------------------- pairing links

function checkServerUrl(url: unknown): string {
  if (typeof url !== 'string' || url.length === 0) {
    throw new ValidationError('Pairing link: the sync server URL is missing', 'url')
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ValidationError(`Pairing link: the sync server URL "${url}" is not a valid URL`, 'url')
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new ValidationError(
      `Pairing link: the sync server URL must start with ws:// or wss:// (got "${url}")`,
      'url',
    )
  }
  return url
}

export function pairingLink(
  appUrl: string,
  { serverUrl, spaceId, secret }: { serverUrl: string; spaceId: string; secret: string },
): string {
  if (typeof appUrl !== 'string' || !/^https?:\/\//i.test(appUrl)) {
    throw new ValidationError('appUrl must be an http:// or https:// URL', 'appUrl')
  }
  checkServerUrl(serverUrl)
  if (!isValidSpaceId(spaceId)) throw new ValidationError('spaceId is not a valid space id', 'spaceId')
  if (!isWellFormedSecret(secret)) throw new ValidationError('secret is not a valid space secret', 'secret')
  const payload: PairingPayload = { v: 1, url: serverUrl, spaceId, secret }
  const encoded = base64UrlEncode(new TextEncoder().encode(JSON.stringify(payload)))
  const base = appUrl.split('#')[0].replace(/\/+$/, '')
  return `${base}/#pair=${encoded}`
}

/**
 * Reads a pairing link (a full URL, or just its `#pair=...` fragment) and returns its payload.
 * Throws ValidationError with a message fit to show the person when anything is off.
 */
export function parsePairingLink(href: string): PairingPayload {
  if (typeof href !== 'string' || href.trim() === '') {
    throw new ValidationError('Pairing link is empty')
  }
  const text = href.trim()
  const hashAt = text.indexOf('#')
  const fragment = hashAt >= 0 ? text.slice(hashAt + 1) : text
  const encoded = new URLSearchParams(fragment).get('pair')
  if (!encoded) {
    throw new ValidationError('Not a Keepsake pairing link: it has no "#pair=" part')
  }
  let payload: unknown
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64UrlDecode(encoded)))
  } catch {
    throw new ValidationError('Pairing link is damaged: its "#pair=" part cannot be read (was it cut short?)')
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ValidationError('Pairing link is damaged: its payload is not an object')
  }
  const p = payload as Record<string, unknown>
  if (p.v !== 1) {
    throw new ValidationError(`Pairing link version ${String(p.v)} is not supported by this app (expected 1)`)
  }
  const url = checkServerUrl(p.url)
  if (!isValidSpaceId(p.spaceId)) throw new ValidationError('Pairing link is damaged: its space id is invalid')
  if (!isWellFormedSecret(p.secret)) throw new ValidationError('Pairing link is damaged: its secret is invalid')
  return { v: 1, url, spaceId: p.spaceId, secret: p.secret }
}

// ---------------------------------------------------------------- document names

/** `<spaceId>/<docName>`, the Hocuspocus document name. docName: `space`, `user/<uid>`, ... */
export function syncDocumentName(spaceId: string, docName: string): string {
  if (!isValidSpaceId(spaceId)) throw new ValidationError('spaceId is not a valid space id', 'spaceId')
  if (!isValidDocName(docName)) throw new ValidationError(`Invalid sync document name "${docName}"`, 'docName')
  return `${spaceId}/${docName}`
}

export function isValidDocName(docName: unknown): docName is string {
  return (
    typeof docName === 'string' &&
    docName.length > 0 &&
    docName.length <= MAX_DOC_NAME_LENGTH &&
    docName.split('/').every((segment) => DOC_NAME_SEGMENT_RE.test(segment))
  )
}

/** The inverse of syncDocumentName; null for anything malformed. */
export function parseSyncDocumentName(name: string): { spaceId: string; docName: string } | null {
  if (typeof name !== 'string') return null
  const slash = name.indexOf('/')
  if (slash < 0) return null
  const spaceId = name.slice(0, slash)
  const docName = name.slice(slash + 1)
  return isValidSpaceId(spaceId) && isValidDocName(docName) ? { spaceId, docName } : null
}

// ---------------------------------------------------------------- server rejections

/**
 * Why the sync server refused a document or closed it. The provider reports auth refusals as
 * `authenticationFailed` ({ reason }) and refused messages as `close` ({ event: { reason } });
 * in both cases the reason is `<code>: <explanation>`.
 */
export const SYNC_REJECT_CODES = [
  'missing-token',
  'malformed-token',
  'wrong-token',
  'unknown-space',
  'unproven-space',
  'too-many-spaces',
  'registration-rate-limited',
  'invalid-document-name',
  'too-many-connections',
  'too-many-documents',
  'message-too-large',
  'malformed-update',
  'server-shutting-down',
  'server-storage-failed',
] as const
export type SyncRejectCode = (typeof SYNC_REJECT_CODES)[number]

export function syncRejectReason(code: SyncRejectCode, explanation: string): string {
  return `${code}: ${explanation}`
}

export function parseSyncRejectReason(reason: string): { code: SyncRejectCode | null; message: string } {
  const colon = typeof reason === 'string' ? reason.indexOf(':') : -1
  const head = colon >= 0 ? reason.slice(0, colon) : reason
  const code = (SYNC_REJECT_CODES as readonly string[]).includes(head) ? (head as SyncRejectCode) : null
  return { code, message: typeof reason === 'string' ? reason : '' }
}
