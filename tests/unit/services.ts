/**
 * Real Redis and PostgreSQL servers from Debian's packages (`apt-get install redis-server
 * postgresql`, as .ci/run does), started on loopback on free ports in temp folders, for the tests
 * that run several sync servers. Missing binaries fail the test under CI and skip it elsewhere.
 */
import { spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'
import { cleanups, stopOnCleanup, tempDir } from './serverHarness'

const REDIS = '/usr/bin/redis-server'

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(root, versions[0], 'bin') : null
}

/** Why these tests cannot run here, or null. */
export function missingServices(): string | null {
  const missing = [!existsSync(REDIS) && 'redis-server', !postgresBin() && 'postgresql'].filter(Boolean)
  return missing.length ? `not installed: ${missing.join(', ')} (apt-get install -y redis-server postgresql)` : null
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what} did not start in ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export async function startRedis(): Promise<string> {
  const port = await freePort()
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tempDir()], {
    stdio: 'ignore',
  })
  stopOnCleanup(child)
  const url = `redis://127.0.0.1:${port}`
  const { default: IORedis } = await import('ioredis')
  await until(async () => {
    const r = new IORedis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    r.on('error', () => undefined) // (a refused probe rejects connect(); the event would be printed as unhandled)
    try {
      await r.connect()
      return (await r.ping()) === 'PONG'
    } finally {
      r.disconnect()
    }
  }, 'redis-server')
  return url
}

/** A fresh cluster (initdb) under postgres's own user when run as root, as PostgreSQL requires. */
export async function startPostgres(): Promise<string> {
  const bin = postgresBin()!
  const dir = tempDir()
  const asRoot = process.getuid?.() === 0
  const run = (cmd: string, args: string[]) => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]]
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim())
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim())
    chownSync(dir, uid, gid)
  }
  const data = join(dir, 'data')
  const init = spawnSync(...run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'keepsake', '--no-sync']), { encoding: 'utf8' })
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`)
  const port = await freePort()
  const child = spawn(
    ...run(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=60']),
    { stdio: 'ignore' },
  )
  stopOnCleanup(child)
  // (runuser may stay in between: stop the postmaster itself, immediate shutdown)
  cleanups.push(async () => {
    const pidFile = join(data, 'postmaster.pid')
    if (!existsSync(pidFile)) return
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
    try {
      process.kill(pid, 'SIGQUIT')
    } catch {
      return
    }
    for (let i = 0; i < 100 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50))
  })
  const url = `postgres://keepsake@127.0.0.1:${port}/postgres`
  await until(async () => {
    const c = new pg.Client({ connectionString: url })
    try {
      await c.connect()
      await c.query('SELECT 1')
      return true
    } finally {
      await c.end().catch(() => undefined)
    }
  }, 'postgres')
  return url
}
