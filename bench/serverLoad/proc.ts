/**
 * What Linux says about a process and the machine (/proc), for the sync server load test: resident
 * memory, CPU time, and the machine's busy time, so the reader can tell who used the cores.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's CPU times (almost always 100). */
export const CLOCK_TICKS: number = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isFinite(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
})()

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null // the process is gone
  }
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status); null once the process is gone. */
export function rssBytes(pid: number): number | null {
  const status = readOrNull(`/proc/${pid}/status`)
  const kb = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  return kb ? Number(kb[1]) * 1024 : null
}

/** User + system CPU time of a process in seconds (utime + stime of /proc/<pid>/stat, all its threads). */
export function cpuSeconds(pid: number): number | null {
  const stat = readOrNull(`/proc/${pid}/stat`)
  if (!stat) return null
  // fields after the command name, which is in parentheses and may hold spaces: state is field 3
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[14 - 3])
  const stime = Number(fields[15 - 3])
  return (utime + stime) / CLOCK_TICKS
}

/** Bytes a process has caused to be written to the disk (write_bytes of /proc/<pid>/io); null once it is gone. */
export function diskWriteBytes(pid: number): number | null {
  const io = readOrNull(`/proc/${pid}/io`)
  const m = io && /^write_bytes:\s+(\d+)/m.exec(io)
  return m ? Number(m[1]) : null
}

/**
 * The whole machine's CPU time in seconds, summed over cores: busy (neither idle nor waiting for
 * I/O), waiting for I/O (idle with a disk request outstanding), and in all.
 */
export function machineCpuSeconds(): { busy: number; ioWait: number; total: number } {
  const line = (readOrNull('/proc/stat') ?? '').split('\n')[0] // "cpu  user nice system idle iowait irq softirq steal ..."
  const t = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = t.reduce((a, b) => a + b, 0)
  const idle = (t[3] ?? 0) + (t[4] ?? 0)
  return { busy: (total - idle) / CLOCK_TICKS, ioWait: (t[4] ?? 0) / CLOCK_TICKS, total: total / CLOCK_TICKS }
}
