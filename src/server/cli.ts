/**
 * `npm run server -- [flags]` (tsx src/server/cli.ts). See src/server/README.md.
 *
 *   --create-space [--app-url URL] [--server-url URL]   register a space, print its pairing link, exit
 *   --register-link LINK                                 register the space of a pairing link, exit
 *   (no command)                                         run the sync server until SIGINT/SIGTERM
 */
import { parseArgs } from 'node:util'
import { deriveSpaceToken, hashToken, pairingLink, parsePairingLink } from '../core/spaceToken'
import { DEFAULT_LIMITS, type SyncLimits } from './limits'
import { createServerLog, errorText, LOG_FORMATS, type LogFormat } from './log'
import { openStorage } from './storage'
import { DEFAULT_HOST, DEFAULT_PORT, resolveSqlitePath, startSyncServer } from './SyncServer'

const HELP = `Keepsake sync server

Usage:
  npm run server -- [options]                  run the server (Ctrl-C stores everything and exits)
  npm run server -- --create-space [options]   register a new space and print its pairing link

Options:
  --port N                    port (env KEEPSAKE_SYNC_PORT; default ${DEFAULT_PORT})
  --host H                    address to listen on (env KEEPSAKE_SYNC_HOST; default ${DEFAULT_HOST})
  --data DIR                  folder of keepsake-sync.sqlite (env KEEPSAKE_SYNC_DATA; default ./data)
  --open-registration         admit a new space on its first connection when its token proves its id
                              (self-certifying ids: knowing an id is not enough to take it), within
                              the limits below (env KEEPSAKE_SYNC_OPEN_REGISTRATION=1). Off by
                              default; npm start turns it on.
  --max-open-spaces N         spaces registered by first use, in total (default ${DEFAULT_LIMITS.maxOpenSpaces})
  --registrations-per-minute-per-address N   new spaces per remote address a minute (default ${DEFAULT_LIMITS.registrationsPerMinutePerAddress})
  --registrations-per-minute N               new spaces a minute, all addresses (default ${DEFAULT_LIMITS.registrationsPerMinute})
  --max-message-bytes N       default ${DEFAULT_LIMITS.maxMessageBytes}
  --max-connections-per-space N   default ${DEFAULT_LIMITS.maxConnectionsPerSpace}
  --max-documents-per-space N     default ${DEFAULT_LIMITS.maxDocumentsPerSpace}
  --auth-timeout-ms N         close a socket that authenticated no document by then
                              (default ${DEFAULT_LIMITS.authTimeoutMs})
  --max-unauthenticated-per-address N   sockets not yet authenticated, per remote address
                              (default ${DEFAULT_LIMITS.maxUnauthenticatedPerAddress})
  --max-unauthenticated-sockets N       sockets not yet authenticated, in all
                              (default ${DEFAULT_LIMITS.maxUnauthenticatedSockets})
  --max-pre-auth-bytes N      bytes a socket may send before it authenticates
                              (default ${DEFAULT_LIMITS.maxPreAuthBytes})
  --log-format text|json      json: one JSON object per line (default text)
  --postgres URL              keep the registry and documents in PostgreSQL instead of the SQLite
                              file (env KEEPSAKE_SYNC_POSTGRES), e.g. postgres://user@127.0.0.1/keepsake
  --redis URL                 pass updates between servers through Redis (env KEEPSAKE_SYNC_REDIS),
                              e.g. redis://127.0.0.1:6379; several servers on one --postgres scale out
  --quiet                     log errors only
  --create-space              register a space, print its pairing link, exit
  --register-link LINK        register the space of a pairing link (one from a device, e.g. a space
                              made by an older Keepsake that open registration refuses), exit
  --app-url URL               with --create-space: the app's address (default http://localhost:5173)
  --server-url URL            with --create-space: the server as devices reach it
                              (default ws://127.0.0.1:<port>)
  --help
`

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number (got "${value}")`)
  return n
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      'open-registration': { type: 'boolean' },
      'max-message-bytes': { type: 'string' },
      'max-connections-per-space': { type: 'string' },
      'max-documents-per-space': { type: 'string' },
      'max-open-spaces': { type: 'string' },
      'registrations-per-minute-per-address': { type: 'string' },
      'registrations-per-minute': { type: 'string' },
      'auth-timeout-ms': { type: 'string' },
      'max-unauthenticated-per-address': { type: 'string' },
      'max-unauthenticated-sockets': { type: 'string' },
      'max-pre-auth-bytes': { type: 'string' },
      'log-format': { type: 'string' },
      postgres: { type: 'string' },
      redis: { type: 'string' },
      quiet: { type: 'boolean' },
      'create-space': { type: 'boolean' },
      'register-link': { type: 'string' },
      'app-url': { type: 'string' },
      'server-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const env = process.env
  const port = wholeNumber('port', values.port ?? env.KEEPSAKE_SYNC_PORT) ?? DEFAULT_PORT
  const host = values.host ?? env.KEEPSAKE_SYNC_HOST ?? DEFAULT_HOST
  const dataDir = values.data ?? env.KEEPSAKE_SYNC_DATA
  const sqlitePath = resolveSqlitePath({ dataDir })
  const postgres = values.postgres ?? env.KEEPSAKE_SYNC_POSTGRES
  const redis = values.redis ?? env.KEEPSAKE_SYNC_REDIS

  if (values['register-link'] !== undefined) {
    // The owner vouches for the space by holding its secret: only the token's hash is stored.
    const { spaceId, secret } = parsePairingLink(values['register-link'])
    const tokenHash = await hashToken(await deriveSpaceToken(spaceId, secret))
    const { db, registry, store, where } = await openStorage({ sqlitePath, postgres })
    try {
      const inserted = await registry.insertIfAbsent(spaceId, tokenHash, 'cli')
      const stored = await registry.getTokenHash(spaceId)
      process.stdout.write(
        inserted
          ? `Registered space ${spaceId} in ${where}\n`
          : stored === tokenHash
            ? `Space ${spaceId} was already registered in ${where} with this link's key\n`
            : `Space ${spaceId} is registered in ${where} with another key: left as it is\n`,
      )
      if (!inserted && stored !== tokenHash) process.exitCode = 1
    } finally {
      await store.close()
      await db.close()
    }
    return
  }

  if (values['create-space']) {
    const { db, registry, store, where } = await openStorage({ sqlitePath, postgres })
    try {
      const { spaceId, secret } = await registry.createSpace('cli')
      const serverUrl = values['server-url'] ?? `ws://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`
      const link = pairingLink(values['app-url'] ?? 'http://localhost:5173', { serverUrl, spaceId, secret })
      process.stdout.write(
        `Created space ${spaceId} in ${where}\n` +
          `Pairing link (open it on each device; it holds the space secret, keep it private):\n${link}\n`,
      )
    } finally {
      await store.close()
      await db.close()
    }
    return
  }

  const limits: Partial<SyncLimits> = {
    maxMessageBytes: wholeNumber('max-message-bytes', values['max-message-bytes']),
    maxConnectionsPerSpace: wholeNumber('max-connections-per-space', values['max-connections-per-space']),
    maxDocumentsPerSpace: wholeNumber('max-documents-per-space', values['max-documents-per-space']),
    maxOpenSpaces: wholeNumber('max-open-spaces', values['max-open-spaces']),
    registrationsPerMinutePerAddress: wholeNumber('registrations-per-minute-per-address', values['registrations-per-minute-per-address']),
    registrationsPerMinute: wholeNumber('registrations-per-minute', values['registrations-per-minute']),
    authTimeoutMs: wholeNumber('auth-timeout-ms', values['auth-timeout-ms']),
    maxUnauthenticatedPerAddress: wholeNumber('max-unauthenticated-per-address', values['max-unauthenticated-per-address']),
    maxUnauthenticatedSockets: wholeNumber('max-unauthenticated-sockets', values['max-unauthenticated-sockets']),
    maxPreAuthBytes: wholeNumber('max-pre-auth-bytes', values['max-pre-auth-bytes']),
  }
  const logFormat = (values['log-format'] ?? 'text') as LogFormat
  if (!LOG_FORMATS.includes(logFormat)) throw new Error(`--log-format must be text or json (got "${values['log-format']}")`)
  const log = createServerLog({ format: logFormat, quiet: values.quiet ?? false })
  const openEnv = env.KEEPSAKE_SYNC_OPEN_REGISTRATION
  const server = await startSyncServer({
    port,
    host,
    sqlitePath,
    postgres,
    redis,
    openRegistration: values['open-registration'] ?? (openEnv === '1' || openEnv === 'true'),
    limits,
    quiet: values.quiet ?? false,
    logFormat,
  })
  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    log('info', 'stopping', `${signal}: storing documents and stopping`)
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log('error', 'stop-failed', 'stop failed: {error:text}', { error: errorText(error) })
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`[keepsake-sync] ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
