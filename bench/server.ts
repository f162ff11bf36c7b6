/**
 * `npm run bench:server`: a load test of the sync server. Starts the real server (src/server/cli.ts)
 * as a child process on a temporary folder, drives N devices in M spaces from one or more device
 * processes (bench/serverLoad/devices.ts), each device writing a message every few seconds into
 * the part document its space's devices share, and prints one table: latency to another device and
 * to the writer's own acknowledgement, throughput, the server's memory and CPU, the client
 * processes' CPU and event-loop delay, and the bytes stored per message.
 *
 *   npm run bench:server -- --devices 20 --spaces 5 --interval 2000 --warmup 10 --duration 60 --workers 1
 *
 * Every flag also reads BENCH_SERVER_<FLAG> (BENCH_SERVER_DEVICES=20 ...). Exits non-zero only when
 * the test could not run (a missed budget is printed, not failed).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import sqlite3 from 'sqlite3'
import * as Y from 'yjs'
import { createSpaceCredentials } from '../src/core/spaceToken'
import { partDocName } from '../src/sync/layout'
import { cpuSeconds, diskWriteBytes, machineCpuSeconds, rssBytes } from './serverLoad/proc'
import { now, type DeviceResults, type FromDevices, type SpacePlan, type ToDevices } from './serverLoad/protocol'
import { quantile, table } from './stats'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SQLITE_FILE = 'keepsake-sync.sqlite' // src/server/SyncServer.ts SQLITE_FILE_NAME
const BUDGET = { visibleP95Ms: 100, rssBytes: 500 * 1024 * 1024, devices: 200, spaces: 50, intervalMs: 2000 }

// ------------------------------------------------------------------ options

interface Options {
  devices: number
  spaces: number
  intervalMs: number
  jitter: number
  warmupS: number
  durationS: number
  drainS: number
  workers: number
}

function readOptions(argv: string[]): Options {
  const spec = {
    devices: { default: '200', help: 'devices in all' },
    spaces: { default: '50', help: 'spaces (the devices are spread evenly over them)' },
    interval: { default: '2000', help: 'ms between two messages of one device' },
    jitter: { default: '0.2', help: 'each gap is interval * (1 ± jitter)' },
    warmup: { default: '10', help: 's of writing before the measured window' },
    duration: { default: '60', help: 's of the measured window' },
    drain: { default: '20', help: 's to wait at most after the window for the last messages' },
    workers: { default: 'auto', help: 'device processes (auto: one per 500 devices, at most 4)' },
  } as const
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { ...Object.fromEntries(Object.keys(spec).map((k) => [k, { type: 'string' as const }])), help: { type: 'boolean', short: 'h' } },
  })
  if (values.help) {
    const lines = Object.entries(spec).map(([k, v]) => `  --${k.padEnd(10)} ${v.help} (BENCH_SERVER_${k.toUpperCase()}, default ${v.default})`)
    process.stdout.write(`npm run bench:server -- [options]\n\n${lines.join('\n')}\n`)
    process.exit(0)
  }
  const given = values as Record<string, string | boolean | undefined>
  const raw = (k: keyof typeof spec) => (given[k] as string | undefined) ?? process.env[`BENCH_SERVER_${k.toUpperCase()}`] ?? spec[k].default
  const num = (k: keyof typeof spec, min: number) => {
    const n = Number(raw(k))
    if (!Number.isFinite(n) || n < min) throw new Error(`--${k} must be a number >= ${min} (got "${raw(k)}")`)
    return n
  }
  const devices = Math.round(num('devices', 2))
  const spaces = Math.round(num('spaces', 1))
  if (devices < 2 * spaces) throw new Error('every space needs at least two devices (one writes, another sees it)')
  // one process drives 200 devices with its event loop 13% busy (measured): more only for far more devices
  const workers = raw('workers') === 'auto' ? Math.min(4, Math.ceil(devices / 500)) : Math.round(num('workers', 1))
  return {
    devices,
    spaces,
    intervalMs: num('interval', 10),
    jitter: Math.min(1, num('jitter', 0)),
    warmupS: num('warmup', 0),
    durationS: num('duration', 1),
    drainS: num('drain', 1),
    workers: Math.min(workers, spaces),
  }
}

// ------------------------------------------------------------------ cleanup, also on failure and Ctrl-C

const children = new Set<ChildProcess>()
const tempDirs: string[] = []

function cleanUpNow(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}
process.on('exit', cleanUpNow)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the server and the device processes, removing the temporary folder`)
    cleanUpNow()
    process.exit(130)
  })
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms))),
  ])
}

// ------------------------------------------------------------------ the server

interface ServerProcess {
  child: ChildProcess
  pid: number
  url: string
  /** warnings and errors it logged */
  complaints: string[]
}

/**
 * The CLI, run by node with tsx's loader rather than through `npx tsx` (which would put npm and a
 * tsx launcher between us and the server): the pid whose /proc we read is the server itself.
 */
async function startServer(dataDir: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', '--data', dataDir, '--open-registration',
    // every space registers from this one address, far faster than the defaults allow a person
    '--registrations-per-minute-per-address', '100000', '--registrations-per-minute', '100000', '--max-open-spaces', '100000',
    // and every device connects from it at once (the default caps are for one person's devices)
    '--max-unauthenticated-per-address', '100000', '--max-unauthenticated-sockets', '100000'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  const complaints: string[] = []
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n')) if (line.trim()) complaints.push(line.trim())
  })
  const url = await withTimeout(
    new Promise<string>((resolveUrl, reject) => {
      let out = ''
      child.stdout!.setEncoding('utf8').on('data', (text: string) => {
        out += text
        const m = /listening on (ws:\/\/\S+?);/.exec(out)
        if (m) resolveUrl(m[1])
      })
      child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening: ${complaints.join(' | ') || out}`)))
    }),
    30_000,
    'starting the server',
  )
  return { child, pid: child.pid!, url, complaints }
}

// ------------------------------------------------------------------ device processes

interface DeviceProcess {
  child: ChildProcess
  pid: number
  next: (type: FromDevices['type']) => Promise<FromDevices>
  send: (message: ToDevices) => void
}

function startDeviceProcess(): DeviceProcess {
  const child = fork(join(ROOT, 'bench/serverLoad/devices.ts'), [], { execArgv: ['--import', 'tsx'], cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.add(child)
  const inbox: FromDevices[] = []
  const waiting: ((m: FromDevices) => void)[] = []
  child.on('message', (m: FromDevices) => {
    const w = waiting.shift()
    if (w) w(m)
    else inbox.push(m)
  })
  const gone = exited(child)
  const next = async (type: FromDevices['type']): Promise<FromDevices> => {
    const message = await Promise.race([
      inbox.length ? Promise.resolve(inbox.shift()!) : new Promise<FromDevices>((r) => waiting.push(r)),
      gone.then(({ code, signal }) => Promise.reject(new Error(`a device process exited (${signal ?? code})`))),
    ])
    if (message.type === 'failed') throw new Error(`a device process failed: ${message.message}`)
    if (message.type !== type) throw new Error(`a device process answered ${message.type}, expected ${type}`)
    return message
  }
  return { child, pid: child.pid!, next, send: (message) => child.send(message) }
}

// ------------------------------------------------------------------ sampling /proc

interface Sample {
  at: number
  serverRss: number | null
  serverCpu: number | null
}

function startSampling(serverPid: number): { samples: Sample[]; stop: () => void } {
  const samples: Sample[] = []
  const take = () => samples.push({ at: now(), serverRss: rssBytes(serverPid), serverCpu: cpuSeconds(serverPid) })
  take()
  const timer = setInterval(take, 1000)
  return { samples, stop: () => clearInterval(timer) }
}

interface CpuMark {
  server: number
  clients: number[]
  self: number
  serverDiskWrites: number
  machine: ReturnType<typeof machineCpuSeconds>
  at: number
}

function cpuMark(serverPid: number, clientPids: number[]): CpuMark {
  return {
    server: cpuSeconds(serverPid) ?? NaN,
    clients: clientPids.map((pid) => cpuSeconds(pid) ?? NaN),
    self: cpuSeconds(process.pid) ?? NaN,
    serverDiskWrites: diskWriteBytes(serverPid) ?? NaN,
    machine: machineCpuSeconds(),
    at: now(),
  }
}

// ------------------------------------------------------------------ what the server stored

interface Stored {
  fileBytes: number
  walBytes: number
  documents: number
  dataBytes: number
  /** the update log (keepsake_updates): accepted updates not folded into their row yet */
  loggedUpdates: number
  loggedBytes: number
  /** messages found in the stored part documents (row + logged updates) */
  messages: number
}

async function readStored(dataDir: string, plans: SpacePlan[]): Promise<Stored> {
  const path = join(dataDir, SQLITE_FILE)
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0)
  const fileBytes = size(path)
  const walBytes = size(`${path}-wal`)
  const db = await new Promise<sqlite3.Database>((ok, fail) => {
    const d: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) => (err ? fail(err) : ok(d)))
  })
  const all = <T>(sql: string, params: unknown[] = []) =>
    new Promise<T[]>((ok, fail) => db.all(sql, params, (err: Error | null, rows: T[]) => (err ? fail(err) : ok(rows))))
  try {
    const [totals] = await all<{ n: number; bytes: number | null }>('SELECT count(*) AS n, sum(length(data)) AS bytes FROM documents')
    const [log] = await all<{ n: number; bytes: number | null }>('SELECT count(*) AS n, sum(length(data)) AS bytes FROM keepsake_updates')
    let messages = 0
    for (const plan of plans) {
      // what loading the document on the server would see: its row, then its logged updates
      const name = `${plan.spaceId}/${partDocName(plan.uid, plan.part)}`
      const rows = [
        ...(await all<{ data: Buffer }>('SELECT data FROM documents WHERE name = ?', [name])),
        ...(await all<{ data: Buffer }>('SELECT data FROM keepsake_updates WHERE name = ? ORDER BY id', [name])),
      ]
      const doc = new Y.Doc()
      for (const row of rows) Y.applyUpdate(doc, row.data)
      messages += doc.getMap('messages').size
      doc.destroy()
    }
    return {
      fileBytes,
      walBytes,
      documents: totals.n,
      dataBytes: totals.bytes ?? 0,
      loggedUpdates: log.n,
      loggedBytes: log.bytes ?? 0,
      messages,
    }
  } finally {
    await new Promise((r) => db.close(r))
  }
}

// ------------------------------------------------------------------ the run

/** How many devices each space gets: as even as it goes. */
function devicesPerSpace(devices: number, spaces: number): number[] {
  return Array.from({ length: spaces }, (_, i) => Math.floor(devices / spaces) + (i < devices % spaces ? 1 : 0))
}

function merge(results: DeviceResults[]): DeviceResults {
  const sum = (f: (r: DeviceResults) => number) => results.reduce((n, r) => n + f(r), 0)
  return {
    devices: sum((r) => r.devices),
    written: sum((r) => r.written),
    writtenTotal: sum((r) => r.writtenTotal),
    acked: sum((r) => r.acked),
    ackMs: results.flatMap((r) => r.ackMs),
    visibleMs: results.flatMap((r) => r.visibleMs),
    slowAt: results.flatMap((r) => r.slowAt),
    expectedDeliveries: sum((r) => r.expectedDeliveries),
    deliveries: sum((r) => r.deliveries),
    seenByAll: sum((r) => r.seenByAll),
    loopDelayP50Ms: Math.max(...results.map((r) => r.loopDelayP50Ms)),
    loopDelayP99Ms: Math.max(...results.map((r) => r.loopDelayP99Ms)),
    loopDelayMaxMs: Math.max(...results.map((r) => r.loopDelayMaxMs)),
    loopUtilisation: Math.max(...results.map((r) => r.loopUtilisation)),
    disconnects: sum((r) => r.disconnects),
    problems: results.flatMap((r) => r.problems),
  }
}

const ms = (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v)} ms` : 'n/a')
const mb = (bytes: number | null) => (bytes === null || !Number.isFinite(bytes) ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(0)} MB`)
const pct = (v: number) => (Number.isFinite(v) ? `${Math.round(v)}%` : 'n/a')
const int = (v: number) => Math.round(v).toLocaleString('en-US')

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2))
  const perSpace = devicesPerSpace(o.devices, o.spaces)
  const dataDir = mkdtempSync(join(tmpdir(), 'keepsake-bench-server-'))
  tempDirs.push(dataDir)

  console.log(
    `bench:server: ${o.devices} devices in ${o.spaces} spaces, a message every ${o.intervalMs} ms per device (±${Math.round(o.jitter * 100)}%), ` +
      `${o.warmupS} s warm-up + ${o.durationS} s measured, ${o.workers} device process(es), ${cpus().length} cores`,
  )
  const server = await startServer(dataDir)
  const sampling = startSampling(server.pid)

  const part = new Date().toISOString().slice(0, 7)
  const plans: SpacePlan[] = []
  for (const devices of perSpace) {
    const { spaceId, token } = await createSpaceCredentials()
    plans.push({ spaceId, token, uid: `u${spaceId.slice(0, 10).replace(/[^A-Za-z0-9]/g, 'x')}`, part, devices })
  }

  // whole spaces per device process, so that a space's writer and observers share a process
  const workers = Array.from({ length: o.workers }, () => startDeviceProcess())
  const shares = workers.map((_, w) => plans.filter((_p, i) => i % o.workers === w))
  const connectTimeoutMs = 30_000 + o.devices * 200
  workers.forEach((w, i) => w.send({ type: 'setup', url: server.url, spaces: shares[i], connectTimeoutMs }))
  const ready = await Promise.all(workers.map((w) => w.next('ready')))
  const connectMs = Math.max(...ready.map((r) => (r.type === 'ready' ? r.connectMs : 0)))
  console.log(`connected ${o.devices} devices (${o.devices * 3} documents) in ${(connectMs / 1000).toFixed(1)} s; writing...`)

  const warmupAt = now() + 500
  const windowStart = warmupAt + o.warmupS * 1000
  const windowEnd = windowStart + o.durationS * 1000
  const schedule = { warmupAt, windowStart, windowEnd, drainUntil: windowEnd + o.drainS * 1000, intervalMs: o.intervalMs, jitter: o.jitter }
  const clientPids = workers.map((w) => w.pid)
  const marks: CpuMark[] = []
  const markAt = (t: number) => new Promise<void>((r) => setTimeout(() => (marks.push(cpuMark(server.pid, clientPids)), r()), Math.max(0, t - now())))
  for (const w of workers) w.send({ type: 'run', schedule })
  const [, , answers] = await Promise.race([
    Promise.all([
      markAt(windowStart),
      markAt(windowEnd),
      withTimeout(Promise.all(workers.map((w) => w.next('results'))), windowEnd - now() + o.drainS * 1000 + 30_000, 'the device processes'),
    ]),
    // a server that dies under load ends the test at once
    exited(server.child).then(({ code, signal }) => Promise.reject(new Error(`the server exited (${signal ?? code}) during the run: ${server.complaints.join(' | ')}`))),
  ])
  const r = merge(answers.map((a) => (a.type === 'results' ? a.results : (undefined as never))))
  const endRss = rssBytes(server.pid)

  for (const w of workers) w.send({ type: 'close' })
  await withTimeout(Promise.all(workers.map((w) => exited(w.child))), 10_000, 'closing the device processes').catch(() => {
    for (const w of workers) w.child.kill('SIGKILL')
  })
  sampling.stop()
  server.child.kill('SIGTERM')
  const stopStarted = now()
  const stop = await withTimeout(exited(server.child), 30_000, 'stopping the server (SIGTERM)')
  const stopMs = now() - stopStarted
  if (stop.code !== 0) throw new Error(`the server exited with ${stop.signal ?? stop.code} after SIGTERM: ${server.complaints.join(' | ')}`)
  const stored = await readStored(dataDir, plans)

  // ---------------------------------------------------------------- the numbers
  const [m0, m1] = marks
  const windowS = (m1.at - m0.at) / 1000
  const cpuPct = (a: number, b: number) => ((b - a) / windowS) * 100
  const serverCpu = cpuPct(m0.server, m1.server)
  const clientCpus = m0.clients.map((c, i) => cpuPct(c, m1.clients[i]))
  const clientCpu = clientCpus.reduce((a, b) => a + b, 0)
  const selfCpu = cpuPct(m0.self, m1.self)
  const machineCpu = ((m1.machine.busy - m0.machine.busy) / (m1.machine.total - m0.machine.total)) * cpus().length * 100
  const otherCpu = machineCpu - serverCpu - clientCpu - selfCpu
  const ioWait = ((m1.machine.ioWait - m0.machine.ioWait) / (m1.machine.total - m0.machine.total)) * cpus().length * 100
  const serverDiskWrites = m1.serverDiskWrites - m0.serverDiskWrites
  const slowSeconds = new Set(r.slowAt.map((t) => Math.floor((t - windowStart) / 1000))).size
  const inWindow = sampling.samples.filter((s) => s.at >= m0.at && s.at <= m1.at)
  let serverCpuPeak = 0
  for (let i = 1; i < inWindow.length; i++) {
    const [a, b] = [inWindow[i - 1], inWindow[i]]
    if (a.serverCpu !== null && b.serverCpu !== null) serverCpuPeak = Math.max(serverCpuPeak, ((b.serverCpu - a.serverCpu) / ((b.at - a.at) / 1000)) * 100)
  }
  const rss = sampling.samples.map((s) => s.serverRss).filter((v): v is number => v !== null)
  const startRss = rss[0] ?? NaN
  const peakRss = Math.max(...rss, endRss ?? 0)
  const vis = (q: number) => quantile(r.visibleMs, q)
  const ack = (q: number) => quantile(r.ackMs, q)
  const atBudgetSize = o.devices === BUDGET.devices && o.spaces === BUDGET.spaces && o.intervalMs === BUDGET.intervalMs
  const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER BUDGET') + (atBudgetSize ? '' : ` (budget is for ${BUDGET.devices} devices / ${BUDGET.spaces} spaces / 1 per ${BUDGET.intervalMs / 1000} s)`)
  const visibleOk = vis(0.95) < BUDGET.visibleP95Ms
  const rssOk = peakRss < BUDGET.rssBytes
  const messagesAll = r.writtenTotal
  const diskBytes = stored.fileBytes + stored.walBytes

  const rows: Record<string, string>[] = [
    { measure: 'devices / spaces', value: `${o.devices} / ${o.spaces} (${perSpace[0]}${perSpace.at(-1) !== perSpace[0] ? `-${perSpace.at(-1)}` : ''} per space), ${o.workers} device process(es)`, budget: '' },
    { measure: 'rate / duration', value: `1 message / ${o.intervalMs / 1000} s per device (±${Math.round(o.jitter * 100)}%) = ${(o.devices / (o.intervalMs / 1000)).toFixed(1)}/s offered; ${o.warmupS} s warm-up + ${windowS.toFixed(1)} s measured`, budget: '' },
    { measure: 'messages written (measured window)', value: int(r.written), budget: '' },
    { measure: 'messages seen by every other device of the space', value: `${int(r.seenByAll)} (${int(r.deliveries)} of ${int(r.expectedDeliveries)} deliveries)`, budget: r.seenByAll === r.written ? 'all' : 'SOME MISSING' },
    { measure: 'throughput (acknowledged by the server)', value: `${(r.acked / windowS).toFixed(1)} messages/s (${int(r.acked)} acknowledged)`, budget: '' },
    { measure: 'write -> visible on another device p50 / p95', value: `${ms(vis(0.5))} / ${ms(vis(0.95))}`, budget: `p95 < ${BUDGET.visibleP95Ms} ms: ${verdict(visibleOk)}` },
    { measure: 'write -> visible p99 / max', value: `${ms(vis(0.99))} / ${ms(vis(1))}`, budget: '' },
    { measure: 'deliveries over 100 ms', value: `${int(r.slowAt.length)} (${((r.slowAt.length / Math.max(1, r.visibleMs.length)) * 100).toFixed(1)}%), written in ${slowSeconds} of the ${Math.round(windowS)} seconds`, budget: '' },
    { measure: 'write -> writer acknowledged (SyncStatus) p50 / p95', value: `${ms(ack(0.5))} / ${ms(ack(0.95))}`, budget: '' },
    { measure: 'write -> writer acknowledged p99 / max', value: `${ms(ack(0.99))} / ${ms(ack(1))}`, budget: '' },
    { measure: 'server RSS start / peak / end', value: `${mb(startRss)} / ${mb(peakRss)} / ${mb(endRss)}`, budget: `peak < ${mb(BUDGET.rssBytes)}: ${verdict(rssOk)}` },
    { measure: 'server CPU (mean / peak 1 s), % of one core', value: `${pct(serverCpu)} / ${pct(serverCpuPeak)}`, budget: '' },
    { measure: 'device processes CPU, % of one core', value: `${pct(clientCpu)}${clientCpus.length > 1 ? ` (${clientCpus.map(pct).join(' + ')})` : ''}`, budget: '' },
    { measure: 'device processes event loop: delay p50 / p99 / max, busy', value: `${ms(r.loopDelayP50Ms)} / ${ms(r.loopDelayP99Ms)} / ${ms(r.loopDelayMaxMs)}, ${pct(r.loopUtilisation * 100)}`, budget: 'worst process' },
    { measure: 'machine CPU: all / this script / other programs; I/O wait', value: `${pct(machineCpu)} of ${cpus().length * 100}% / ${pct(selfCpu)} / ${pct(otherCpu)}; ${pct(ioWait)}`, budget: '' },
    { measure: 'server disk writes (/proc/<pid>/io) in the window', value: `${mb(serverDiskWrites)} = ${int(serverDiskWrites / Math.max(1, r.acked))} bytes/message`, budget: '' },
    { measure: 'stored: SQLite file + WAL after stop', value: `${int(diskBytes)} bytes (${int(stored.walBytes)} WAL) = ${int(diskBytes / messagesAll)} bytes/message`, budget: '' },
    { measure: 'stored: sum(length(data)) of documents', value: `${int(stored.dataBytes)} bytes in ${stored.documents} documents = ${int(stored.dataBytes / messagesAll)} bytes/message`, budget: '' },
    { measure: 'stored: update log (keepsake_updates) after stop', value: `${int(stored.loggedBytes)} bytes in ${int(stored.loggedUpdates)} updates`, budget: '' },
    { measure: 'stored: messages in the part documents', value: `${int(stored.messages)} of ${int(messagesAll)} written (warm-up included)`, budget: stored.messages === messagesAll ? 'all' : 'SOME MISSING' },
    { measure: 'server stop (SIGTERM -> exit 0)', value: ms(stopMs), budget: '' },
  ]
  console.log(table(`Keepsake sync server under load (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, server and devices on this machine)`, rows))

  const over = [!visibleOk && 'write -> visible p95', !rssOk && 'server RSS'].filter(Boolean)
  console.log(over.length ? `\nover budget: ${over.join(', ')}` : '\nwithin budget')
  const clientBound = r.loopUtilisation > 0.8 || r.loopDelayP99Ms > 50
  const serverBound = serverCpu > 80
  console.log(
    `bottleneck: ${serverBound ? 'the server (one core nearly busy)' : clientBound ? 'the device processes (busy event loop): use more --workers' : 'neither process is near a full core'}; ` +
      `the machine was ${pct((machineCpu / (cpus().length * 100)) * 100)} busy`,
  )
  if (r.slowAt.length && !serverBound && !clientBound) {
    console.log('the deliveries over 100 ms are not CPU: an update is relayed after its fsynced commit; TMPDIR=/dev/shm takes the disk out to compare')
  }
  if (r.disconnects) console.log(`note: ${r.disconnects} socket disconnects during the run`)
  if (r.problems.length) console.log(`device problems:\n  ${r.problems.slice(0, 10).join('\n  ')}`)
  const complaints = server.complaints.filter((l) => !l.includes('registered space'))
  if (complaints.length) console.log(`server warnings/errors (${complaints.length}):\n  ${complaints.slice(0, 10).join('\n  ')}`)
  if (r.written === 0) throw new Error('no message was written in the measured window')
}

main().then(
  () => {
    cleanUpNow()
    process.exit(0)
  },
  (error: unknown) => {
    console.error(`bench:server failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
    cleanUpNow()
    process.exit(1)
  },
)
