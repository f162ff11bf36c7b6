/// <reference lib="webworker" />
import { splitUpdate } from '../src/sync/splitUpdate'

/**
 * Splits large Yjs updates off the page's thread (src/sync/splitInWorker.ts): decoding an update of
 * megabytes takes a few hundred milliseconds, which would otherwise block the page just before the
 * pieces are applied to spare it exactly that.
 */
declare const self: DedicatedWorkerGlobalScope

self.onmessage = (e: MessageEvent<{ id: number; update: Uint8Array; maxBytes: number }>) => {
  const { id, update, maxBytes } = e.data
  try {
    const pieces = splitUpdate(update, maxBytes)
    self.postMessage({ id, pieces }, pieces.map((p) => p.buffer as ArrayBuffer))
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  }
}
