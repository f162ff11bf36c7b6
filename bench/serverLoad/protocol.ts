/** Messages between the load test (bench/server.ts) and its device processes (bench/serverLoad/devices.ts). */

/** One space as a device process drives it: every device of a space lives in the same process. */
export interface SpacePlan {
  spaceId: string
  token: string
  /** the one user of the space, whose devices all write into the same part document */
  uid: string
  /** `YYYY-MM`: the part document `user/<uid>/<part>` */
  part: string
  devices: number
}

/** Absolute times (ms since the epoch, `performance.timeOrigin + performance.now()`). */
export interface RunSchedule {
  /** writing starts (warm-up: its messages are not measured) */
  warmupAt: number
  /** messages written from here ... */
  windowStart: number
  /** ... to here are measured; writing stops */
  windowEnd: number
  /** after windowEnd, how long to wait at most for the last deliveries and acknowledgements */
  drainUntil: number
  intervalMs: number
  /** each gap is intervalMs * (1 ± jitter), uniformly */
  jitter: number
}

export type ToDevices =
  | { type: 'setup'; url: string; spaces: SpacePlan[]; connectTimeoutMs: number }
  | { type: 'run'; schedule: RunSchedule }
  | { type: 'close' }

export interface DeviceResults {
  devices: number
  /** messages written in the measured window */
  written: number
  /** messages written in every phase (warm-up included): what the server stores */
  writtenTotal: number
  /** window messages the server acknowledged to their writer before the drain ended */
  acked: number
  /** write -> the writer's provider got the server's SyncStatus for it, per window message */
  ackMs: number[]
  /** write -> visible on another device of the space, one sample per (window message, other device) */
  visibleMs: number[]
  /** when (writtenAt) the measured messages were written whose delivery took over 100 ms, one per slow delivery */
  slowAt: number[]
  /** (window message, other device) pairs there are, and how many arrived */
  expectedDeliveries: number
  deliveries: number
  /** window messages that reached every other device of their space */
  seenByAll: number
  /** event-loop delay over the window (ms) and event-loop utilisation (0..1) of this process */
  loopDelayP50Ms: number
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  loopUtilisation: number
  /** socket disconnects and document closes during the run (each one a problem) */
  disconnects: number
  problems: string[]
}

export type FromDevices =
  | { type: 'ready'; connectMs: number }
  | { type: 'results'; results: DeviceResults }
  | { type: 'failed'; message: string }

/** The one clock every process of the test shares: the wall clock, with sub-millisecond resolution. */
export function now(): number {
  return performance.timeOrigin + performance.now()
}
