/**
 * A device process of the sync server load test (forked by bench/server.ts): drives the devices of
 * some spaces, each one raw HocuspocusProvider per document over one HocuspocusProviderWebsocket,
 * like the app's transport (src/sync/transport/hocuspocus.ts): `space`, `user/<uid>` and the part
 * `user/<uid>/<YYYY-MM>`, into whose `messages` map the devices of a space write.
 */
import { monitorEventLoopDelay, performance as perf } from 'node:perf_hooks'
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { syncDocumentName } from '../../src/core/spaceToken'
import { partDocName, SPACE_DOC, userDocName } from '../../src/sync/layout'
import { RECONNECT } from '../../src/sync/transport/hocuspocus'
import { now, type DeviceResults, type FromDevices, type RunSchedule, type SpacePlan, type ToDevices } from './protocol'

/** What a device writes: shaped like a stored message (src/core/schema.ts), plus when it was written. */
interface BenchMessage {
  messageId: string
  uid: string
  sessionId: string
  seq: number
  role: 'user'
  content: string
  timestamp: string
  /** now() at the write, on the writer */
  writtenAt: number
}

interface Written {
  writtenAt: number
  measured: boolean
  seenBy: number
}

interface Space {
  plan: SpacePlan
  written: Map<string, Written>
}

interface Device {
  id: string
  space: Space
  socket: HocuspocusProviderWebsocket
  providers: HocuspocusProvider[]
  part: HocuspocusProvider
  messages: Y.Map<BenchMessage>
  sessionId: string
  seq: number
  /** writtenAt of the writes the server has not acknowledged yet, oldest first */
  unacked: number[]
  timer?: NodeJS.Timeout
}

const LOOP_RESOLUTION_MS = 10

const WORDS = (
  'the a we you I it and to of in on for with was is remember last week my sister said dinner ' +
  'train meeting Paris garden coffee tomorrow plan book music doctor friday call later maybe ' +
  'really think about again favourite new old small house trip weekend morning evening'
).split(' ')

function messageText(): string {
  const length = 200 + Math.floor(Math.random() * 301) // 200-500 characters
  let text = ''
  while (text.length < length) text += (text ? ' ' : '') + WORDS[Math.floor(Math.random() * WORDS.length)]
  return text.slice(0, length)
}

function send(message: FromDevices): void {
  process.send?.(message)
}

const spaces: Space[] = []
const devices: Device[] = []
const ackMs: number[] = []
const visibleMs: number[] = []
const slowAt: number[] = []
const problems: string[] = []
let disconnects = 0
let schedule: RunSchedule | null = null
let writtenTotal = 0
let closing = false

function problem(text: string): void {
  if (problems.length < 20) problems.push(text)
}

function measured(writtenAt: number): boolean {
  return !!schedule && writtenAt >= schedule.windowStart && writtenAt < schedule.windowEnd
}

function connectDevice(url: string, space: Space, index: number): Device {
  const { spaceId, token, uid, part } = space.plan
  const id = `${spaceId.slice(0, 6)}-d${index}`
  // the app's socket settings (src/sync/transport/hocuspocus.ts)
  const socket = new HocuspocusProviderWebsocket({
    url,
    WebSocketPolyfill: WebSocket as never,
    ...RECONNECT, // as the app's devices
  })
  socket.on('disconnect', () => {
    if (!closing) disconnects++
  })
  const open = (docName: string, doc: Y.Doc) => {
    const provider = new HocuspocusProvider({
      name: syncDocumentName(spaceId, docName),
      document: doc,
      token,
      websocketProvider: socket,
      // as in the app: presence is not shared, one provider keeps awareness for the socket's pings
      awareness: docName === SPACE_DOC ? undefined : null,
      onAuthenticationFailed: ({ reason }) => problem(`${id} ${docName}: refused: ${reason}`),
      onClose: ({ event }) => {
        if (!closing) problem(`${id} ${docName}: closed: ${event.code} ${event.reason}`)
      },
    })
    provider.attach()
    return provider
  }
  const partDoc = new Y.Doc()
  const providers = [open(SPACE_DOC, new Y.Doc()), open(userDocName(uid), new Y.Doc()), open(partDocName(uid, part), partDoc)]
  const device: Device = {
    id,
    space,
    socket,
    providers,
    part: providers[2],
    messages: partDoc.getMap<BenchMessage>('messages'),
    sessionId: `s-${id}`,
    seq: 0,
    unacked: [],
  }

  // Every SyncStatus the server sends for an update takes one off the provider's count, in order:
  // the oldest unacknowledged write is the one acknowledged.
  device.part.on('unsyncedChanges', ({ number }: { number: number }) => {
    const t = now()
    while (device.unacked.length > number) {
      const writtenAt = device.unacked.shift()!
      if (measured(writtenAt)) ackMs.push(t - writtenAt)
    }
  })

  device.messages.observe((event, transaction) => {
    if (transaction.local) return
    const t = now()
    for (const [key, change] of event.changes.keys) {
      if (change.action !== 'add') continue
      const written = space.written.get(key)
      const message = device.messages.get(key)
      if (!written || !message) continue // not one of this run's writes
      written.seenBy++
      if (!written.measured) continue
      visibleMs.push(t - message.writtenAt)
      if (t - message.writtenAt > 100) slowAt.push(message.writtenAt)
    }
  })
  return device
}

/** The first device of a space does what a new user's first device does: a directory entry, a profile, the part's entry. */
function introduceUser(device: Device): void {
  const { uid, part } = device.space.plan
  const [spaceProvider, userProvider] = device.providers
  spaceProvider.document.transact(() => {
    const entry = new Y.Map<unknown>()
    entry.set('uid', uid)
    entry.set('name', 'Load test')
    entry.set('createdAt', new Date().toISOString())
    spaceProvider.document.getMap('directory').set(uid, entry)
    spaceProvider.document.getMap('parts').set(`${uid}/${part}`, { uid, key: part })
  })
  userProvider.document.transact(() => {
    const profile = userProvider.document.getMap('profile')
    profile.set('uid', uid)
    profile.set('name', 'Load test')
  })
}

function write(device: Device): void {
  const writtenAt = now()
  const seq = device.seq++
  const message: BenchMessage = {
    messageId: `${device.id}-${seq}`,
    uid: device.space.plan.uid,
    sessionId: device.sessionId,
    seq,
    role: 'user',
    content: messageText(),
    timestamp: new Date(writtenAt).toISOString(),
    writtenAt,
  }
  device.space.written.set(message.messageId, { writtenAt, measured: measured(writtenAt), seenBy: 0 })
  writtenTotal++
  device.unacked.push(writtenAt) // before the write: the provider counts it synchronously
  device.messages.set(message.messageId, message)
}

/** Writes from warmupAt until windowEnd, one message every intervalMs * (1 ± jitter), from a random phase. */
function startWriting(device: Device, s: RunSchedule): void {
  const gap = () => s.intervalMs * (1 + s.jitter * (2 * Math.random() - 1))
  let next = s.warmupAt + Math.random() * s.intervalMs
  const tick = () => {
    write(device)
    next += gap()
    if (next < s.windowEnd) device.timer = setTimeout(tick, Math.max(0, next - now()))
  }
  device.timer = setTimeout(tick, Math.max(0, next - now()))
}

async function waitUntil(check: () => boolean, deadline: number, stepMs = 50): Promise<boolean> {
  while (!check()) {
    if (now() > deadline) return false
    await new Promise((r) => setTimeout(r, stepMs))
  }
  return true
}

async function setup(url: string, plans: SpacePlan[], connectTimeoutMs: number): Promise<void> {
  const t0 = now()
  for (const plan of plans) {
    const space: Space = { plan, written: new Map() }
    spaces.push(space)
    for (let i = 0; i < plan.devices; i++) devices.push(connectDevice(url, space, i))
  }
  const allSynced = () => devices.every((d) => d.providers.every((p) => p.synced && p.unsyncedChanges === 0))
  if (!(await waitUntil(allSynced, t0 + connectTimeoutMs, 20))) {
    const missing = devices.reduce((n, d) => n + d.providers.filter((p) => !p.synced).length, 0)
    throw new Error(`${missing} documents had not synced after ${connectTimeoutMs} ms${problems.length ? `: ${problems[0]}` : ''}`)
  }
  for (const space of spaces) introduceUser(devices.find((d) => d.space === space)!)
  if (!(await waitUntil(() => devices.every((d) => d.providers.every((p) => p.unsyncedChanges === 0)), t0 + connectTimeoutMs, 20))) {
    throw new Error('the first writes of the spaces were not acknowledged')
  }
  send({ type: 'ready', connectMs: now() - t0 })
}

async function run(s: RunSchedule): Promise<DeviceResults> {
  schedule = s
  const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  let eluStart: ReturnType<typeof perf.eventLoopUtilization> | undefined
  let elu = 0
  const windowStarts = setTimeout(() => {
    delay.enable()
    eluStart = perf.eventLoopUtilization()
  }, Math.max(0, s.windowStart - now()))
  for (const device of devices) startWriting(device, s)

  await new Promise((r) => setTimeout(r, Math.max(0, s.windowEnd - now())))
  delay.disable()
  clearTimeout(windowStarts)
  if (eluStart) elu = perf.eventLoopUtilization(eluStart).utilization
  for (const device of devices) clearTimeout(device.timer)

  const windowMessages = () => spaces.flatMap((space) => [...space.written.values()].filter((w) => w.measured).map((w) => ({ w, others: space.plan.devices - 1 })))
  const drained = () => devices.every((d) => d.unacked.length === 0) && windowMessages().every(({ w, others }) => w.seenBy >= others)
  await waitUntil(drained, s.drainUntil, 100)

  const all = windowMessages()
  // the histogram holds the time between two ticks of its timer: the delay is what exceeds the tick
  const ns = (v: number) => (Number.isFinite(v) ? Math.max(0, v / 1e6 - LOOP_RESOLUTION_MS) : NaN)
  return {
    devices: devices.length,
    written: all.length,
    writtenTotal,
    acked: ackMs.length,
    ackMs,
    visibleMs,
    slowAt,
    expectedDeliveries: all.reduce((n, { others }) => n + others, 0),
    deliveries: all.reduce((n, { w, others }) => n + Math.min(w.seenBy, others), 0),
    seenByAll: all.filter(({ w, others }) => w.seenBy >= others).length,
    loopDelayP50Ms: ns(delay.percentile(50)),
    loopDelayP99Ms: ns(delay.percentile(99)),
    loopDelayMaxMs: ns(delay.max),
    loopUtilisation: elu,
    disconnects,
    problems,
  }
}

function close(): void {
  closing = true
  for (const device of devices) {
    clearTimeout(device.timer)
    for (const provider of device.providers) provider.destroy()
    device.socket.destroy()
  }
  setTimeout(() => process.exit(0), 200).unref()
}

process.on('message', (message: ToDevices) => {
  const fail = (error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  if (message.type === 'setup') setup(message.url, message.spaces, message.connectTimeoutMs).catch(fail)
  else if (message.type === 'run') run(message.schedule).then((results) => send({ type: 'results', results }), fail)
  else if (message.type === 'close') close()
})
// the load test went away (crashed, or was killed): do not linger
process.on('disconnect', () => process.exit(0))
