import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, expect, inject, test } from 'vitest'
import { createFirstProfile, DESKTOP, launch, PHONE, sendMessage, shot } from './harness'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
let browser: Browser
// The app as built for this run, served by a server of these tests' own, which can switch to a
// next version (built by the update test) on the same origin.
let builds: string
let server: Awaited<ReturnType<typeof switchableServer>>

beforeAll(async () => {
  browser = await launch()
  builds = mkdtempSync(join(tmpdir(), 'keepsake-offline-'))
  server = await switchableServer(inject('appDir'))
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  if (builds) rmSync(builds, { recursive: true, force: true })
})

/** A fresh browser profile on the test server; page errors are collected. */
async function newDevice(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: DESKTOP, reducedMotion: 'reduce', locale: 'en-GB', timezoneId: 'Europe/Berlin' })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(m.text())) errors.push(m.text())
  })
  await page.goto(server.url)
  return { context, page, errors }
}

/** Resolves once a service worker controls the page, i.e. the app shell is precached. */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 })
}

const memoryTexts = (page: Page) => page.locator('.memory-card .memory-content').allInnerTexts()

test('after one visit the app starts and works with no network: profile, chats, processing, memories', async () => {
  const { context, page, errors } = await newDevice()
  await page.getByRole('heading', { name: 'Welcome to Keepsake' }).waitFor()
  await waitForServiceWorker(page)

  await context.setOffline(true)
  // The network really is gone: nothing of the server answers any more.
  expect(await page.evaluate(() => fetch('/index.html?not-cached').then(() => 'answered', () => 'failed'))).toBe('failed')
  await page.reload()
  await page.getByRole('heading', { name: 'Welcome to Keepsake' }).waitFor()

  await createFirstProfile(page, 'Ada Lovelace')
  await sendMessage(page, "I'm allergic to peanuts.")
  await sendMessage(page, 'I live in Paris.')
  await page.getByRole('button', { name: 'Process now' }).click()
  await page.locator('.inline-notice', { hasText: /Memory updated: 2 new/ }).waitFor()
  await expect.poll(async () => (await memoryTexts(page)).join(' ')).toMatch(/peanut/i)
  expect((await memoryTexts(page)).join(' ')).toMatch(/Paris/)

  // Reloading offline again keeps everything.
  await page.reload()
  await page.locator('.message-user').nth(1).waitFor()
  await expect.poll(async () => (await memoryTexts(page)).length).toBe(2)
  await shot(page, 'offline')
  expect(errors).toEqual([])
  await context.close()
})

// ---------------------------------------------------------------- a new version

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
}

/** A static server whose folder can be swapped: the same origin serves v1, then v2 of the app. */
async function switchableServer(folder: string): Promise<{ url: string; serve(folder: string): void; close(): Promise<void> }> {
  let current = folder
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    let file = join(current, path)
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(current, 'index.html')
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' })
    createReadStream(file).pipe(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://localhost:${port}`,
    serve(next) {
      current = next
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Builds the app again with one visible change (a meta tag), as a new release would. */
async function buildNextVersion(outDir: string): Promise<void> {
  await build({
    root,
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, sourcemap: false },
    plugins: [{ name: 'next-version', transformIndexHtml: (html) => html.replace('</head>', '<meta name="keepsake-build" content="next" /></head>') }],
  })
}

test('a new version is offered and applied only when the person clicks Reload; other tabs keep their state', { timeout: 240_000 }, async () => {
  const { context, page, errors } = await newDevice()
  try {
    await createFirstProfile(page, 'Grace Hopper')
    await sendMessage(page, "I'm allergic to peanuts.")
    await waitForServiceWorker(page)
    const other = await context.newPage()
    await other.goto(server.url)
    await other.getByRole('textbox', { name: 'Message' }).waitFor()
    // Marks that survive only as long as a page is not reloaded.
    for (const p of [page, other]) await p.evaluate(() => ((window as Window & { keepsakeMark?: number }).keepsakeMark = 1))
    const mark = (p: Page) => p.evaluate(() => (window as Window & { keepsakeMark?: number }).keepsakeMark ?? null)
    const build = (p: Page) => p.evaluate(() => document.querySelector('meta[name="keepsake-build"]')?.getAttribute('content') ?? null)

    await buildNextVersion(join(builds, 'next'))
    server.serve(join(builds, 'next'))
    // The app looks for a new version when it comes back into view (and hourly).
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')))
    const prompt = (p: Page) => p.getByRole('status').filter({ hasText: 'A new version of Keepsake is ready.' })
    await prompt(page).waitFor({ timeout: 60_000 })
    await prompt(other).waitFor({ timeout: 60_000 })
    // Nothing reloaded on its own.
    expect(await mark(page)).toBe(1)
    expect(await build(page)).toBeNull()

    // A message being written is never lost: Reload waits until it is sent or cleared.
    const box = page.getByRole('textbox', { name: 'Message' })
    await box.fill('Half-written thought')
    await prompt(page).getByText('Send or clear the message you are writing first.').waitFor()
    expect(await prompt(page).getByRole('button', { name: 'Reload' }).isDisabled()).toBe(true)
    await shot(page, 'update-prompt-draft')
    await box.fill('')
    await expect.poll(() => prompt(page).getByRole('button', { name: 'Reload' }).isEnabled()).toBe(true)
    await shot(page, 'update-prompt')
    await page.setViewportSize(PHONE)
    await shot(page, 'update-prompt')
    await page.setViewportSize(DESKTOP)

    // "Later" in the other tab; Reload in this one.
    await prompt(other).getByRole('button', { name: 'Later' }).click()
    await prompt(other).waitFor({ state: 'hidden' })
    await Promise.all([page.waitForEvent('load'), prompt(page).getByRole('button', { name: 'Reload' }).click()])
    await page.getByRole('textbox', { name: 'Message' }).waitFor()
    expect(await build(page)).toBe('next')
    expect(await mark(page)).toBeNull()
    await page.locator('.message-user', { hasText: 'allergic to peanuts' }).waitFor()

    // The other tab was not reloaded under the person's feet: it still runs the old page and is
    // offered the reload again, now that the new version controls it.
    await prompt(other).waitFor({ timeout: 30_000 })
    expect(await mark(other)).toBe(1)
    expect(await build(other)).toBeNull()
    expect(errors).toEqual([])
  } finally {
    await context.close()
    server.serve(inject('appDir'))
  }
})
