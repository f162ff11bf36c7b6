import { useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import type { SessionStatus } from '../../index'
import { errorMessage } from '../lib/errors'
import { useConversationStore } from '../stores/conversationStore'
import { sendMessage, useReplyStore } from '../stores/replyStore'
import { Icon } from './Icon'

/** Why the session cannot take a message now, or null when it can. */
function blockedReason(status: SessionStatus | null): string | null {
  if (status === 'processing') return 'This chat is being turned into memories right now. You can write again in a moment.'
  return null
}

const MAX_HEIGHT = 200

/** The message box: Enter sends, Shift+Enter starts a new line; Stop ends a reply that is streaming. */
export function Composer({ status }: { status: SessionStatus | null }) {
  const sending = useConversationStore((s) => s.sending)
  const replying = useReplyStore((s) => s.sessionId !== null)
  const stopping = useReplyStore((s) => s.stopping)
  const stop = useReplyStore((s) => s.stop)
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)
  const box = useRef<HTMLTextAreaElement>(null)
  const ids = { input: 'composer-input', hint: useId(), error: useId() }
  const blocked = blockedReason(status)
  const hint = blocked ?? (status === 'processed' ? 'This chat has been turned into memories; sending starts a new chat.' : null)

  // The box grows with its text (up to MAX_HEIGHT), measured after each render, so it also
  // shrinks back once a sent message empties it.
  useLayoutEffect(() => {
    const el = box.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT)}px`
  }, [text])

  const submit = async (e?: FormEvent) => {
    e?.preventDefault()
    if (blocked || sending || replying || !text.trim()) return
    setError(null)
    try {
      await sendMessage(text)
      setText('')
      requestAnimationFrame(() => box.current?.focus())
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      void submit()
    }
  }

  const described = [hint && ids.hint, error && ids.error].filter(Boolean).join(' ') || undefined
  return (
    <form className="composer" onSubmit={submit}>
      {hint && (
        <p id={ids.hint} className={`composer-hint${blocked ? ' blocked' : ''}`}>
          {hint}
        </p>
      )}
      {error && (
        <p id={ids.error} className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="composer-row">
        <label htmlFor={ids.input} className="visually-hidden">
          Message
        </label>
        <textarea
          id={ids.input}
          ref={box}
          className="composer-input"
          rows={1}
          value={text}
          placeholder={blocked ? 'Waiting for processing to finish…' : 'Write a message'}
          disabled={!!blocked}
          aria-describedby={described}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {replying ? (
          // Same size and place as Send, so the row does not move while a reply streams.
          <button type="button" className="button send-button stop-button" onClick={stop} disabled={stopping} aria-label="Stop the reply" title="Stop the reply">
            <Icon name="stop" />
          </button>
        ) : (
          <button type="submit" className="button primary send-button" disabled={!!blocked || sending || !text.trim()} aria-label="Send">
            <Icon name="send" />
          </button>
        )}
      </div>
      <p className="composer-keys" aria-hidden="true">
        Enter to send · Shift+Enter for a new line
      </p>
    </form>
  )
}
