#!/usr/bin/env node
/**
 * `npm start`: builds the app, serves it with `vite preview`, and runs the sync server beside it.
 *
 *   npm start                     app on http://localhost:5173, sync server on ws://127.0.0.1:1234
 *   npm start -- --port 8080      the app on another port (or PORT=8080 npm start)
 *   npm start -- --no-sync        the app only
 *
 * The app works without the sync server; if the server cannot start, one line says so and the
 * app keeps being served. Ctrl+C stops both.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const viteBin = join(root, 'node_modules', 'vite', 'bin', 'vite.js')
const tsxBin = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')
const serverEntry = join(root, 'src', 'server', 'cli.ts')
const SYNC_HOST = '127.0.0.1'
const SYNC_PORT = '1234'

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'no-sync': { type: 'boolean' },
    'skip-build': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
})

if (values.help) {
  console.log('Usage: npm start -- [--port N] [--host H] [--no-sync] [--skip-build]   (PORT env works too)')
  process.exit(0)
}

const port = values.port ?? process.env.PORT ?? '5173'
if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
  console.error(`Port must be a number from 1 to 65535 (got "${port}")`)
  process.exit(2)
}

const children = new Set()
let stopping = false

function run(args, options = {}) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', ...options })
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

function stop(code = 0) {
  if (stopping) return
  stopping = true
  for (const child of children) child.kill('SIGTERM')
  // Give the sync server time to store its documents; then leave.
  const timer = setTimeout(() => process.exit(code), 5000)
  timer.unref()
  const check = setInterval(() => {
    if (children.size === 0) {
      clearInterval(check)
      process.exit(code)
    }
  }, 50)
}

process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))

function build() {
  return new Promise((resolve) => run([viteBin, 'build']).on('exit', (code) => resolve(code ?? 1)))
}

function startSync() {
  if (values['no-sync']) return
  if (!existsSync(serverEntry)) {
    console.log('Sync server not available in this checkout (no src/server/cli.ts): serving the app only.')
    return
  }
  const args = [tsxBin, serverEntry, '--host', SYNC_HOST, '--port', SYNC_PORT, '--open-registration']
  const server = run(args, { stdio: ['ignore', 'inherit', 'pipe'] })
  let stderr = ''
  server.stderr.on('data', (chunk) => {
    stderr += chunk
    process.stderr.write(chunk)
  })
  server.on('exit', (code, signal) => {
    if (stopping || signal) return
    const reason = stderr.trim().split('\n').pop() || `exit code ${code}`
    console.log(`Sync server stopped (${reason}); the app keeps running, local only.`)
  })
}

if (!values['skip-build']) {
  const code = await build()
  if (code !== 0) {
    console.error('The build failed; see the errors above.')
    process.exit(code)
  }
}

const previewArgs = [viteBin, 'preview', '--port', port, '--strictPort']
if (values.host) previewArgs.push('--host', values.host)
const preview = run(previewArgs)
preview.on('exit', (code) => {
  if (stopping) return
  console.error(`The app server stopped (exit code ${code}); is port ${port} already in use?`)
  stop(code ?? 1)
})
startSync()
