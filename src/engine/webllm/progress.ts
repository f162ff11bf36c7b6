/**
 * Model load progress, from web-llm's InitProgressReport ({ progress 0..1, timeElapsed, text }).
 * web-llm reports in phases, each going 0 -> 1: fetching the weights into the cache
 * ("Fetching param cache[3/24]: 250MB fetched. 12% completed, ..."), loading them from the cache
 * onto the GPU ("Loading model from cache[...]: ...MB loaded. ..."), compiling shaders
 * ("Loading GPU shader modules[...]"), then "Finish loading on WebGPU - ...".
 */

export type LoadPhase = 'checking' | 'downloading' | 'loading' | 'compiling' | 'ready'

export interface LoadProgress {
  modelId: string
  phase: LoadPhase
  /** 0..1 within the phase, as web-llm reports it */
  progress: number
  /** 0..100, rounded down */
  percent: number
  /** bytes fetched (downloading) or loaded (loading), when web-llm's text says so (MB precision) */
  loadedBytes?: number
  /** total bytes of the weights, estimated from loadedBytes / progress, when known */
  totalBytes?: number
  /** web-llm's own text, or ours for the checking phase */
  text: string
  /** seconds since the load began */
  timeElapsed: number
}

export interface InitProgressReportLike {
  progress: number
  timeElapsed: number
  text: string
}

const MB = 1024 * 1024

export function parseProgressReport(report: InitProgressReportLike, modelId: string): LoadProgress {
  const text = String(report.text ?? '')
  const progress = Number.isFinite(report.progress) ? Math.min(1, Math.max(0, report.progress)) : 0
  let phase: LoadPhase = 'loading'
  if (/^Fetching param cache|^Start to fetch params/i.test(text)) phase = 'downloading'
  else if (/^Loading model from cache/i.test(text)) phase = 'loading'
  else if (/shader/i.test(text)) phase = 'compiling'
  else if (/^Finish loading/i.test(text)) phase = 'ready'
  const out: LoadProgress = {
    modelId,
    phase,
    progress,
    percent: Math.floor(progress * 100),
    text,
    timeElapsed: Number.isFinite(report.timeElapsed) ? report.timeElapsed : 0,
  }
  const mb = /(\d+(?:\.\d+)?)\s*MB (?:fetched|loaded)/i.exec(text)
  if (mb) {
    out.loadedBytes = Math.round(Number(mb[1]) * MB)
    if (progress > 0) out.totalBytes = Math.round(out.loadedBytes / progress)
  }
  return out
}
