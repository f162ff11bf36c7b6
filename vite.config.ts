import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The app: index.html at the root, entry src/app/main.tsx. Workers (the WebLLM engine) are ES modules.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { port: 5173 },
  preview: { port: 5173 },
})
