import { Workbox } from 'workbox-window'
import { create } from 'zustand'

/**
 * The offline app: registers the service worker that vite-plugin-pwa generates (Workbox precache of
 * the built app, see vite.config.ts) and offers an update when a new version has been installed.
 * Nothing reloads on its own: the new version takes over only when the person clicks, in the tab
 * where they clicked; other tabs are offered the reload too and keep their state until then.
 */

interface PwaState {
  /** A new version is installed and waits (or, in another tab, has already taken over). */
  updateReady: boolean
  /** The person asked for the update here; the page reloads once the new version controls it. */
  updating: boolean
  /** The person chose "Later" for this version. */
  dismissed: boolean
  /** How many in-page places show the prompt (the app shell's banner); else it floats. */
  hosts: number
  applyUpdate(): void
  dismiss(): void
}

/** How often an open app looks for a new version (browsers also look on each navigation). */
const CHECK_EVERY_MS = 60 * 60 * 1000

let workbox: Workbox | null = null
let registration: ServiceWorkerRegistration | undefined

export const usePwaStore = create<PwaState>()((set) => ({
  updateReady: false,
  updating: false,
  dismissed: false,
  hosts: 0,
  applyUpdate() {
    // No worker waits when another tab already let the new version in: this page only needs a reload.
    if (!workbox || !registration?.waiting) {
      location.reload()
      return
    }
    set({ updating: true })
    workbox.messageSkipWaiting()
  },
  dismiss() {
    set({ dismissed: true })
  },
}))

function offerUpdate(): void {
  usePwaStore.setState({ updateReady: true, dismissed: false })
}

/** Registers the service worker of a build; the dev server has none (see vite.config.ts). */
export function registerServiceWorker(): void {
  // import.meta.hot exists only on the dev server. (Not import.meta.env.PROD: a build made with
  // NODE_ENV=test, as the e2e tests' is, is not "PROD" yet has its service worker.)
  if (import.meta.hot || !('serviceWorker' in navigator)) return
  const base = import.meta.env.BASE_URL
  const wb = new Workbox(`${base}sw.js`, { scope: base })
  workbox = wb
  // Also fires at start-up for a version that was already waiting.
  wb.addEventListener('waiting', offerUpdate)
  // A new worker took over. (Not event.isUpdate: it is false in the tab that first installed the app.)
  wb.addEventListener('controlling', () => {
    const { updating, updateReady } = usePwaStore.getState()
    if (updating) location.reload()
    else if (updateReady) offerUpdate() // another tab let the new version in: this page still runs the old code
  })
  void wb
    .register()
    .then((r) => {
      registration = r
      const check = () => void r?.update().catch(() => undefined)
      setInterval(check, CHECK_EVERY_MS)
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible' && navigator.onLine) check()
      })
    })
    .catch(() => undefined) // no offline copy then; the app itself works the same
}
