import { useEffect, useState } from 'react'
import { usePwaStore } from '../pwa'
import { useReplyStore } from '../stores/replyStore'
import { Icon } from './Icon'

/** What a reload now would lose: a reply being written, or a message typed but not sent. */
function useUnsaved(): string | null {
  const replying = useReplyStore((s) => s.sessionId !== null)
  const [draft, setDraft] = useState(false)
  useEffect(() => {
    // The composer keeps its text to itself: look at the field while the prompt is shown (sending
    // clears it without an input event, hence the timer).
    const look = () => setDraft(!!(document.getElementById('composer-input') as HTMLTextAreaElement | null)?.value.trim())
    look()
    document.addEventListener('input', look)
    const timer = setInterval(look, 1000)
    return () => {
      document.removeEventListener('input', look)
      clearInterval(timer)
    }
  }, [])
  if (replying) return 'Reload once the reply is finished.'
  if (draft) return 'Send or clear the message you are writing first.'
  return null
}

/**
 * "A new version is ready": reloads only when the person clicks; "Later" keeps everything as it is.
 * `inline`: a banner in the page's flow (under the app's top bar, where it covers nothing); without
 * it, a floating card, shown only while no inline one is mounted (the first-run card).
 */
export function UpdatePrompt({ inline = false }: { inline?: boolean }) {
  const { updateReady, updating, dismissed, hosts, applyUpdate, dismiss } = usePwaStore()
  useEffect(() => {
    if (!inline) return
    usePwaStore.setState((s) => ({ hosts: s.hosts + 1 }))
    return () => usePwaStore.setState((s) => ({ hosts: s.hosts - 1 }))
  }, [inline])
  if (!updateReady || dismissed || (!inline && hosts > 0)) return null
  return <UpdateCard inline={inline} updating={updating} onReload={applyUpdate} onLater={dismiss} />
}

function UpdateCard({ inline, updating, onReload, onLater }: { inline: boolean; updating: boolean; onReload(): void; onLater(): void }) {
  const unsaved = useUnsaved()
  return (
    <div className={inline ? 'update-prompt update-banner' : 'update-prompt update-floating'} role="status" aria-live="polite">
      <Icon name="download" size={18} />
      <p>
        <strong>A new version of Keepsake is ready.</strong>
        <span>{unsaved ?? 'Reload to use it. Your chats and memories are kept.'}</span>
      </p>
      <div className="update-prompt-actions">
        <button type="button" className="button small" onClick={onLater} disabled={updating}>
          Later
        </button>
        <button type="button" className="button primary small" onClick={onReload} disabled={updating || !!unsaved}>
          {updating ? 'Reloading…' : 'Reload'}
        </button>
      </div>
    </div>
  )
}
