import { splitUpdate } from './splitUpdate'

/**
 * Splits a large Yjs update into pieces (src/sync/splitUpdate.ts) in a Web Worker where there is
 * one, so the decoding does not block the page; elsewhere (Node), or when the worker cannot start,
 * on this thread, after the current task.
 */
export function splitLargeUpdate(update: Uint8Array, maxBytes: number): Promise<Uint8Array[]> {
  const w = worker()
  if (!w) return new Promise((resolve, reject) => setTimeout(() => {
    try {
      resolve(splitUpdate(update, maxBytes))
    } catch (e) {
      reject(e)
    }
  }, 0))
  const id = ++lastId
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject, update, maxBytes })
    // (a copy: the caller keeps its update)
    w.postMessage({ id, update: update.slice(), maxBytes })
  })
}

interface Waiting {
  resolve: (pieces: Uint8Array[]) => void
  reject: (e: Error) => void
  update: Uint8Array
  maxBytes: number
}

let lastId = 0
const waiting = new Map<number, Waiting>()
let shared: Worker | null | undefined

function worker(): Worker | null {
  if (shared !== undefined) return shared
  if (typeof Worker === 'undefined' || typeof window === 'undefined') return (shared = null)
  try {
    const w = new Worker(new URL('../../workers/updateSplit.worker.ts', import.meta.url), { type: 'module', name: 'keepsake-update-split' })
    w.onmessage = (e: MessageEvent<{ id: number; pieces?: Uint8Array[]; error?: string }>) => {
      const job = waiting.get(e.data.id)
      if (!job) return
      waiting.delete(e.data.id)
      if (e.data.pieces) job.resolve(e.data.pieces)
      else job.reject(new Error(`Could not split an update: ${e.data.error}`))
    }
    // a worker that cannot load: split here instead, now and from then on
    w.onerror = (e) => {
      e.preventDefault?.()
      shared = null
      w.terminate()
      const jobs = [...waiting.values()]
      waiting.clear()
      for (const job of jobs) splitLargeUpdate(job.update, job.maxBytes).then(job.resolve, job.reject)
    }
    return (shared = w)
  } catch {
    return (shared = null)
  }
}
