import type { SyncConfig, SyncStatus } from '../../index'

/**
 * Where this device keeps its sync settings, and how sync problems are explained. The space id and
 * secret stay on the device (localStorage here, the URL fragment of a pairing link when shared):
 * the server only ever sees the token derived from them.
 */

const STORAGE_KEY = 'keepsake:sync'
/** The port `npm start` runs the sync server on. */
export const DEFAULT_SYNC_PORT = 1234

export function loadSyncConfig(): SyncConfig | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const c = JSON.parse(raw) as Partial<SyncConfig>
    return typeof c.url === 'string' && typeof c.spaceId === 'string' && typeof c.secret === 'string' ? { url: c.url, spaceId: c.spaceId, secret: c.secret } : null
  } catch {
    return null
  }
}

/** Throws when storage is blocked: the caller says that sync cannot be remembered. */
export function saveSyncConfig(config: SyncConfig): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ url: config.url, spaceId: config.spaceId, secret: config.secret }))
}

export function clearSyncConfig(): void {
  try {
    localStorage.removeItem(STORAGE_KEY)
  } catch {
    /* nothing stored then */
  }
}

/** ws://<this page's host name>:1234 (wss:// on an https page, where browsers refuse ws://). */
export function defaultServerUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname
  return `${scheme}://${host}:${DEFAULT_SYNC_PORT}`
}

/** The address other devices open: this app's root, whatever page is shown. */
export function appUrl(): string {
  return new URL(import.meta.env.BASE_URL, location.origin).href
}

/** A server address that means "this computer": a link with it works on this computer only. */
export function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
    return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host)
  } catch {
    return false
  }
}

/** Checks an address typed by the person; returns what is wrong, or null. */
export function serverUrlProblem(url: string): string | null {
  const text = url.trim()
  if (!text) return 'Enter the address of the sync server, e.g. ws://192.168.1.20:1234'
  let parsed: URL
  try {
    parsed = new URL(text)
  } catch {
    return `“${text}” is not an address. It looks like ws://host:1234`
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return 'The address must start with ws:// (or wss:// for a secure server)'
  if (location.protocol === 'https:' && parsed.protocol === 'ws:') return 'This page is served over https, so the browser only allows a wss:// server'
  return null
}

export interface SyncProblem {
  title: string
  /** What happened and what to do about it. */
  text: string
  /** True when trying again may help (a fresh connection). */
  retry: boolean
}

/** Why sync stopped, by the code at the start of the status error; `local`: this device's reason, not the server's. */
const REJECTIONS: Record<string, Omit<SyncProblem, 'retry'> & { retry?: boolean; local?: boolean }> = {
  'wrong-token': {
    title: 'The server refused this space’s key',
    text: 'The server knows this space with another key: the pairing link may be damaged or from another space. Open a fresh pairing link from a device that syncs (Settings, Sync), or leave this space.',
  },
  'unknown-space': {
    title: 'The server does not know this space',
    text: 'This server only accepts spaces created on it. Use a server that lets new spaces in (npm start runs one), or ask its owner to create the space (npm run server -- --create-space) and pair with the link it prints.',
  },
  'unproven-space': {
    title: 'The server can’t tell this space is yours',
    text: 'This space was created by an older Keepsake, and this server has never seen it: it only lets in new spaces whose address proves their key. Leave this space and start syncing again on one device (its data stays and is uploaded to the new space), then pair your other devices with the new link; or ask the server’s owner to let it in with this space’s pairing link (npm run server -- --register-link followed by the link).',
    retry: false,
  },
  'too-many-spaces': {
    title: 'The server is full',
    text: 'This server has registered as many new spaces as its owner allows (maxOpenSpaces). Everything stays on this device. Ask the server’s owner to raise the limit or create your space (npm run server -- --create-space), or use another server.',
    retry: false,
  },
  'registration-rate-limited': {
    title: 'Too many new spaces at once',
    text: 'The server lets only a few new spaces in each minute. Wait a minute, then try again; everything stays on this device meanwhile.',
    retry: true,
  },
  'missing-token': { title: 'No key was sent', text: 'Leave this space and pair again with a pairing link.' },
  'malformed-token': { title: 'The key is damaged', text: 'Leave this space and pair again with a pairing link.' },
  'too-many-connections': {
    title: 'Too many devices are connected',
    text: 'The server allows a limited number of connections per space. Close Keepsake on a device you are not using, then try again.',
    retry: true,
  },
  'too-many-documents': { title: 'This space is full', text: 'The space reached the server’s limit of documents. Ask the server’s owner to raise it (maxDocumentsPerSpace).' },
  'message-too-large': { title: 'A change was too big for the server', text: 'Ask the server’s owner to raise its message limit (maxMessageBytes), then try again.', retry: true },
  'malformed-update': { title: 'The server refused a damaged change', text: 'Try again; if it keeps happening, export a backup and report the problem.', retry: true },
  'server-shutting-down': { title: 'The sync server is restarting', text: 'Try again in a moment.', retry: true },
  'server-storage-failed': {
    title: 'The sync server could not save a change',
    text: 'Nothing is lost: this device keeps the change and sends it again. If it keeps happening, the server may be out of disk space; tell its owner.',
    retry: true,
  },
  'storage-full': {
    title: 'This device is out of storage',
    text: 'Changes from your other devices can’t be saved here until there is room. Free some space on this device (delete a downloaded AI model in Settings → AI model, or memories or a profile you no longer need); sync picks up again by itself.',
    retry: true,
    local: true,
  },
}

/** The code at the start of a rejection reason ("wrong-token: ..."), if any. */
export function rejectionCode(reason: string | undefined): string | null {
  const m = /^([a-z-]+):/.exec(reason ?? '')
  return m ? m[1] : null
}

/**
 * What the person should know about the sync state now, or null when all is well.
 * `unreachable`: the socket failed while the device itself is online.
 */
export function explainSync(status: SyncStatus, unreachable: boolean): SyncProblem | null {
  if (status.state === 'error') {
    const known = REJECTIONS[rejectionCode(status.error) ?? '']
    const said = status.error && !known?.local ? ` The server said: “${status.error}”.` : ''
    if (known) return { title: known.title, text: `${known.text}${said}`, retry: known.retry ?? true }
    return { title: 'Sync stopped', text: `Your data is safe on this device.${said} Check the server address, or leave this space and pair again.`, retry: true }
  }
  if (status.state === 'offline' && !navigator.onLine) {
    return { title: 'This device is offline', text: 'Everything keeps working here; changes sync when the connection is back.', retry: false }
  }
  if ((status.state === 'offline' || status.state === 'connecting') && unreachable) {
    return {
      title: 'Can’t reach the sync server',
      text: `No answer from ${status.url ?? 'the server'}. Check that the server is running (npm start starts one on port ${DEFAULT_SYNC_PORT}) and that this device can reach that address. Keepsake keeps trying; everything works on this device meanwhile.`,
      retry: true,
    }
  }
  return null
}
