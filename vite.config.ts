import { defineConfig, type Plugin } from 'vite'
import react from '@vitejs/plugin-react'
import { VitePWA } from 'vite-plugin-pwa'

/**
 * `npm run dev` and `npm start` share http://localhost:5173, so a service worker installed by a
 * production build would keep answering the dev server's pages from its cache. In development,
 * /sw.js is a worker that unregisters itself and reloads its pages onto the dev server.
 */
function devServiceWorkerKillSwitch(): Plugin {
  const source = `self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => {
  event.waitUntil(self.registration.unregister().then(() => self.clients.matchAll({ type: 'window' })).then((clients) => clients.forEach((c) => c.navigate(c.url))))
})`
  return {
    name: 'keepsake:dev-sw-kill-switch',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/sw.js', (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript')
        res.setHeader('Cache-Control', 'no-store')
        res.end(source)
      })
    },
  }
}

// The app: index.html at the root, entry src/app/main.tsx. Workers (the WebLLM engine) are ES modules.
export default defineConfig({
  plugins: [
    react(),
    // The offline app: Workbox precaches the built shell; src/app/pwa.ts registers it and asks before updating.
    VitePWA({
      strategies: 'generateSW',
      registerType: 'prompt',
      injectRegister: false,
      manifest: {
        id: '/',
        name: 'Keepsake',
        short_name: 'Keepsake',
        description: 'A chat with a memory you can see and correct. Private, on your device.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f7f6f3',
        theme_color: '#f7f6f3',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The shell and every chunk and worker of the app, the engine worker and its web-llm chunk
        // (about 6 MB) included, so that the app and its model manager start with no network.
        // Source maps stay out: they are only for debugging.
        // The manifest and its icons are added by the plugin itself.
        globPatterns: ['**/*.{js,mjs,css,html,svg,ico,wasm}', 'icons/apple-touch-icon.png'],
        globIgnores: ['**/*.map'],
        // The same minified worker whoever builds (vitest sets NODE_ENV=test, which would mean a debug build).
        mode: 'production',
        maximumFileSizeToCacheInBytes: 10 * 1024 * 1024,
        // Page navigations (a pairing link included: its #pair= fragment never reaches the network) get the cached shell.
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        // The first install takes over the open page at once, so it works offline without a reload.
        // Updates wait for the person's click (registerType 'prompt': no skipWaiting).
        clientsClaim: true,
        // No runtime caching: model weights and model libraries (huggingface.co,
        // raw.githubusercontent.com) are fetched and cached by web-llm in its own Cache Storage;
        // the sync server is a WebSocket. Requests that match no precached URL go to the network.
        runtimeCaching: [],
      },
      devOptions: { enabled: false },
    }),
    devServiceWorkerKillSwitch(),
  ],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { port: 5173 },
  preview: { port: 5173 },
})
