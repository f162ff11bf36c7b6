import { useState } from 'react'
import { processNow } from '../stores/actions'
import { useReplyStore } from '../stores/replyStore'
import type { SessionView } from '../stores/sessionStore'

/** "Process now" for a pending chat ("Try again" for a failed one); turns it into memories at once. */
export function ProcessButton({ session }: { session: SessionView }) {
  const [busy, setBusy] = useState(false)
  // The reply being written belongs to this chat: it is processed once the reply is stored.
  const replying = useReplyStore((s) => s.sessionId === session.sessionId)
  if (session.status !== 'pending' && session.status !== 'failed') return null
  if (session.title === null || session.temporary) return null
  return (
    <button
      type="button"
      className="button small"
      disabled={busy || replying}
      onClick={async () => {
        setBusy(true)
        await processNow(session.sessionId)
        setBusy(false)
      }}
      title="Turn this chat into memories now instead of waiting for a pause"
    >
      {session.status === 'failed' ? 'Try again' : 'Process now'}
    </button>
  )
}
