/**
 * Renders the app icons (public/icons/*.png) from the mark in public/favicon.svg with Chromium
 * (playwright-core, the same browser the tests use). Run after changing the mark, then commit the
 * PNGs:  npx tsx scripts/make-icons.ts
 *
 * - icon-192.png, icon-512.png: the rounded mark on a transparent background ("any").
 * - icon-maskable-512.png: the mark on a full-bleed square, inside the 80% safe zone ("maskable").
 * - apple-touch-icon.png (180): full-bleed square; iOS rounds the corners itself.
 */
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS, chromiumPath } from '../tests/chromium.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'public', 'icons')
const ACCENT = '#2f55c0'

// The speech bubble with a dot (public/favicon.svg), on a 64-unit grid.
const MARK = `<path d="M20 18h24a4 4 0 0 1 4 4v24l-8-5H20a4 4 0 0 1-4-4V22a4 4 0 0 1 4-4z" fill="#fff"/><circle cx="32" cy="30" r="5" fill="${ACCENT}"/>`

/** rounded: the favicon's rounded square; full: a full-bleed square with the mark scaled to `scale`. */
function svg(kind: 'rounded' | 'full', scale = 1): string {
  const background = kind === 'rounded' ? `<rect width="64" height="64" rx="14" fill="${ACCENT}"/>` : `<rect width="64" height="64" fill="${ACCENT}"/>`
  const t = (1 - scale) * 32
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="100%" height="100%">${background}<g transform="translate(${t} ${t}) scale(${scale})">${MARK}</g></svg>`
}

const ICONS = [
  { file: 'icon-192.png', size: 192, svg: svg('rounded') },
  { file: 'icon-512.png', size: 512, svg: svg('rounded') },
  // The maskable safe zone is the central circle of 80% diameter: the bubble spans 32/64 units, its farthest point (the tail) stays inside at 1.1.
  { file: 'icon-maskable-512.png', size: 512, svg: svg('full', 1.1) },
  { file: 'apple-touch-icon.png', size: 180, svg: svg('full', 1.1) },
]

mkdirSync(out, { recursive: true })
const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
try {
  for (const icon of ICONS) {
    const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size }, deviceScaleFactor: 1 })
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${icon.svg}</body></html>`)
    await page.locator('svg').screenshot({ path: join(out, icon.file), omitBackground: true })
    await page.close()
    console.log(`public/icons/${icon.file} (${icon.size}x${icon.size})`)
  }
} finally {
  await browser.close()
}
