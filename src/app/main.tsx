import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './components/App'
import { PairingPrompt } from './components/PairingPrompt'
import { PanelBoundary } from './components/PanelBoundary'
import { UpdatePrompt } from './components/UpdatePrompt'
import { registerServiceWorker } from './pwa'
import { bootSync } from './stores/syncStore'
import './styles/tokens.css'
import './styles/base.css'
import './styles/layout.css'
import './styles/controls.css'
import './styles/components.css'
import './styles/chat.css'
import './styles/drawer.css'
import './styles/memories.css'
import './styles/conflicts.css'
import './styles/settings.css'
import './styles/assistant.css'
import './styles/models.css'
import './styles/data.css'
import './styles/sync.css'
import './styles/boundary.css'

// Sync reconnects and pairing links are read as soon as the database is open (first-run card included).
bootSync()
registerServiceWorker()

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* The last resort: whatever fails to render, the page says what and offers Reload and a backup. */}
    <PanelBoundary what="Keepsake" className="fatal">
      <App />
      <PairingPrompt />
      <UpdatePrompt />
    </PanelBoundary>
  </StrictMode>,
)
