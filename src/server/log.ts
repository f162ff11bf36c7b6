export type LogLevel = 'info' | 'warn' | 'error'
export type SyncLogger = (level: LogLevel, message: string) => void

export function consoleLogger(quiet: boolean): SyncLogger {
  return (level, message) => {
    if (quiet && level !== 'error') return
    const line = `[keepsake-sync] ${message}`
    if (level === 'error') console.error(line)
    else if (level === 'warn') console.warn(line)
    else console.log(line)
  }
}
