/**
 * The sync server's log. Every line is built from a constant template and fields; a field that is a
 * string (anything that may have come from a client: document names, reasons, error texts) is
 * always quoted, escaped (quotes, backslashes, control and line-breaking characters) and cut to
 * MAX_FIELD_CHARS, so no client can write a line of its own or flood the log.
 *
 * Two formats: `text` (`[keepsake-sync] <message>`, the default) and `json` (one object per line:
 * `{ time, level, event, message, ...fields }`).
 */
export type LogLevel = 'info' | 'warn' | 'error'
export type LogFormat = 'text' | 'json'
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json']

/** A caller-supplied sink (tests use it); it receives the rendered, already escaped message. */
export type SyncLogger = (level: LogLevel, message: string, record?: LogRecord) => void

export type LogFields = Record<string, string | number | boolean | null | undefined>

export interface LogRecord {
  time: string
  level: LogLevel
  /** a stable name for what happened (`auth-refused`, `socket-closed`, ...) */
  event: string
  message: string
  fields: LogFields
}

/** Longest string value logged, in characters; the rest is replaced by a count of what was cut. */
export const MAX_FIELD_CHARS = 120

/** Code points that could start a new line, move the cursor or reorder text on a terminal. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"\\]/g
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' }

/** `value` cut to `max` characters (never inside a surrogate pair), and how many were cut. */
export function bounded(value: string, max = MAX_FIELD_CHARS): { text: string; cut: number } {
  if (value.length <= max) return { text: value, cut: 0 }
  let end = max
  const last = value.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return { text: value.slice(0, end), cut: value.length - end }
}

/** A string as one safe, bounded, double-quoted token: `"abc\n..."` or `"abc"…(+99880 chars)`. */
export function quote(value: string, max = MAX_FIELD_CHARS): string {
  const { text, cut } = bounded(value, max)
  return `"${escapeText(text)}"${cut > 0 ? `…(+${cut} chars)` : ''}`
}

/** Escaped and bounded like quote(), without the quotes (for prose such as an explanation). */
export function escapeBounded(value: string, max = MAX_FIELD_CHARS): string {
  const { text, cut } = bounded(value, max)
  return `${escapeText(text)}${cut > 0 ? `…(+${cut} chars)` : ''}`
}

function escapeText(text: string): string {
  return text.replace(UNSAFE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function renderField(value: LogFields[string], asText: boolean): string {
  if (typeof value !== 'string') return String(value)
  return asText ? escapeBounded(value) : quote(value)
}

/**
 * `{name}` in the template becomes the field, quoted if it is a string; `{name:text}` escaped and
 * bounded but not quoted. The template itself is trusted (never built from client input).
 */
export function renderMessage(template: string, fields: LogFields): string {
  return template.replace(/\{(\w+)(:text)?\}/g, (whole, key: string, asText: string | undefined) =>
    Object.prototype.hasOwnProperty.call(fields, key) ? renderField(fields[key], asText !== undefined) : whole,
  )
}

/** The fields as JSON-ready values: strings cut like in text lines (JSON escapes the rest). */
const RESERVED = new Set(['time', 'level', 'event', 'message'])
function jsonFields(fields: LogFields, reserved: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || reserved.has(key)) continue
    if (typeof value !== 'string') {
      out[key] = value
      continue
    }
    const { text, cut } = bounded(value)
    out[key] = text
    if (cut > 0) out[`${key}Cut`] = cut
  }
  return out
}

/** Lines of one event written per second at most (the rest are counted). */
export const LINES_PER_SECOND = 20

export interface ServerLog {
  (level: LogLevel, event: string, template: string, fields?: LogFields): void
}

export interface ServerLogOptions {
  format?: LogFormat
  /** Only errors are written. */
  quiet?: boolean
  /** Replaces the console: receives every record (quiet does not apply). */
  sink?: SyncLogger
}

export function createServerLog(options: ServerLogOptions = {}): ServerLog {
  const format = options.format ?? 'text'
  if (!LOG_FORMATS.includes(format)) throw new RangeError(`logFormat must be one of ${LOG_FORMATS.join(', ')}`)
  const quiet = options.quiet ?? false
  const sink = options.sink
  const throttle = new Map<string, { second: number; lines: number; dropped: number }>()
  return (level, event, template, fields = {}) => {
    const message = renderMessage(template, fields)
    const record: LogRecord = { time: new Date().toISOString(), level, event, message, fields }
    if (sink) return sink(level, message, record)
    if (quiet && level !== 'error') return
    // a client can cause lines (every refused document is one): at most LINES_PER_SECOND of an
    // event a second; the next line that is written says how many were not
    const second = Math.floor(Date.now() / 1000)
    let t = throttle.get(event)
    if (!t) throttle.set(event, (t = { second, lines: 0, dropped: 0 }))
    if (t.second !== second) Object.assign(t, { second, lines: 0 })
    if (++t.lines > LINES_PER_SECOND) {
      t.dropped += 1
      return
    }
    let suffix = ''
    if (t.dropped > 0) {
      suffix = ` (${t.dropped} more ${event} lines not written)`
      fields = { ...fields, notWritten: t.dropped }
      t.dropped = 0
    }
    const line =
      format === 'json'
        ? JSON.stringify({ time: record.time, level, event, message, ...jsonFields(fields, RESERVED) })
        : `[keepsake-sync] ${message}${suffix}`
    if (level === 'error') console.error(line)
    else if (level === 'warn') console.warn(line)
    else console.log(line)
  }
}

/** An error's message (never its stack), for a field. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message
  if (error && typeof error === 'object' && 'reason' in error) return String((error as { reason: unknown }).reason)
  return String(error)
}
