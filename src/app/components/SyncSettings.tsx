import { useEffect, useId, useState, type FormEvent } from 'react'
import type { SyncStatus } from '../../index'
import { errorMessage } from '../lib/errors'
import { plural, shortDate } from '../lib/format'
import { defaultServerUrl, serverUrlProblem } from '../lib/syncConfig'
import { useSyncStore } from '../stores/syncStore'
import { Dialog } from './Dialog'
import { Icon } from './Icon'
import { PairingPanel } from './PairingPanel'
import { SyncProblemBox } from './SyncProblemBox'
import { UnreadableRecords } from './UnreadableRecords'

function stateLine(s: SyncStatus): { text: string; tone: string } {
  switch (s.state) {
    case 'disabled':
      return { text: 'Local only: your data is on this device only.', tone: '' }
    case 'connecting':
      return { text: `Connecting to ${s.url ?? 'the sync server'}…`, tone: '' }
    case 'offline':
      return { text: 'Offline: changes are kept here and sync once the server answers.', tone: 'warn' }
    case 'syncing':
      return { text: s.pendingChanges ? `Syncing ${plural(s.pendingChanges, 'change')}…` : 'Syncing…', tone: '' }
    case 'synced':
      return { text: `Synced${s.lastSyncedAt ? ` at ${shortDate(s.lastSyncedAt)}` : ''}: this device is up to date.`, tone: 'ok' }
    case 'error':
      return { text: 'Sync stopped.', tone: 'bad' }
  }
}

/** Runs an action, keeping its error for the form to show. */
function useAction() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const run = async (fn: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try {
      await fn()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, setError, run }
}

function SyncStatusBox() {
  const status = useSyncStore((s) => s.status)
  const line = stateLine(status)
  return (
    <>
      <p className={`sync-state${line.tone ? ` sync-state-${line.tone}` : ''}`} role="status">
        <Icon name={status.state === 'synced' || status.state === 'syncing' ? 'cloud' : 'cloudOff'} size={16} />
        <span>{line.text}</span>
      </p>
      <SyncProblemBox />
      <UnreadableRecords />
    </>
  )
}

function StartSyncing() {
  const start = useSyncStore((s) => s.start)
  const openPairingLink = useSyncStore((s) => s.openPairingLink)
  const connectError = useSyncStore((s) => s.connectError)
  const [url, setUrl] = useState(defaultServerUrl)
  const [link, setLink] = useState('')
  const starting = useAction()
  const ids = { url: useId(), hint: useId(), link: useId() }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const problem = serverUrlProblem(url)
    if (problem) return starting.setError(problem)
    void starting.run(() => start(url))
  }
  const join = (e: FormEvent) => {
    e.preventDefault()
    void openPairingLink(link).then(() => setLink(''))
  }
  const error = starting.error ?? connectError

  return (
    <>
      <p className="field-hint">
        Keep your profiles, chats and memories the same on your computer and phone. A sync server you run passes the changes between your devices; each device keeps working without it.
      </p>
      <form className="form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={ids.url}>Sync server</label>
          <div className="sync-row">
            <input id={ids.url} className="code-input" value={url} onChange={(e) => setUrl(e.target.value)} aria-describedby={ids.hint} spellCheck={false} autoCapitalize="none" autoComplete="off" />
            <button type="submit" className="button primary" disabled={starting.busy}>
              {starting.busy ? 'Starting…' : 'Start syncing'}
            </button>
          </div>
          <p id={ids.hint} className="field-hint">
            <code>npm start</code> runs one beside the app, on port 1234. Starting creates a new space for your devices on that server.
          </p>
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
      <form className="form sync-join" onSubmit={join}>
        <div className="field">
          <label htmlFor={ids.link}>Or join your other devices with a pairing link</label>
          <div className="sync-row">
            <input id={ids.link} className="code-input" value={link} onChange={(e) => setLink(e.target.value)} placeholder="https://…/#pair=…" spellCheck={false} autoCapitalize="none" autoComplete="off" />
            <button type="submit" className="button" disabled={!link.trim()}>
              Join…
            </button>
          </div>
        </div>
      </form>
    </>
  )
}

function Syncing() {
  const config = useSyncStore((s) => s.config)!
  const justStarted = useSyncStore((s) => s.justStarted)
  const changeServer = useSyncStore((s) => s.changeServer)
  const leave = useSyncStore((s) => s.leave)
  // Pairing another device is pointless while this one is refused or cannot reach the server.
  const canPair = useSyncStore((s) => s.status.state !== 'error' && !s.unreachable)
  const [url, setUrl] = useState(config.url)
  const [showPairing, setShowPairing] = useState(justStarted)
  const [leaving, setLeaving] = useState(false)
  const saving = useAction()
  const urlId = useId()
  useEffect(() => setUrl(config.url), [config.url])
  useEffect(() => {
    if (justStarted) setShowPairing(true)
  }, [justStarted])

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const problem = serverUrlProblem(url)
    if (problem) return saving.setError(problem)
    void saving.run(() => changeServer(url))
  }

  return (
    <>
      <form className="form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={urlId}>Sync server</label>
          <div className="sync-row">
            <input id={urlId} className="code-input" value={url} onChange={(e) => setUrl(e.target.value)} spellCheck={false} autoCapitalize="none" autoComplete="off" />
            {url.trim() !== config.url && (
              <button type="submit" className="button" disabled={saving.busy}>
                Save and reconnect
              </button>
            )}
          </div>
        </div>
        {saving.error && (
          <p className="form-error" role="alert">
            {saving.error}
          </p>
        )}
      </form>
      {!canPair ? (
        <p className="field-hint">The pairing link for your other devices appears once this device reaches the sync server.</p>
      ) : showPairing ? (
        <PairingPanel config={config} />
      ) : (
        <div>
          <button type="button" className="button" onClick={() => setShowPairing(true)}>
            <Icon name="link" size={16} />
            Pair another device
          </button>
        </div>
      )}
      <div className="danger-row sync-leave">
        <p>
          <strong>Leave this space</strong>
          <span className="field-hint">This device stops syncing and keeps everything it has. Your other devices are not affected.</span>
        </p>
        <button type="button" className="button danger-outline" onClick={() => setLeaving(true)}>
          Leave…
        </button>
      </div>
      <Dialog open={leaving} title="Stop syncing this device?" onClose={() => setLeaving(false)}>
        <p className="confirm-text">Your profiles, chats and memories stay on this device, but changes here no longer reach your other devices, and theirs no longer arrive here. To sync again, open a pairing link from a device that syncs.</p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => setLeaving(false)} autoFocus>
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            onClick={() => {
              leave()
              setLeaving(false)
            }}
          >
            Leave this space
          </button>
        </div>
      </Dialog>
    </>
  )
}

/** Settings, Sync: status, the server, starting a space or joining one, pairing another device, leaving. */
export function SyncSettings() {
  const config = useSyncStore((s) => s.config)
  return (
    <section id="sync-settings" className="settings-section sync-settings" aria-labelledby="sync-settings-title">
      <h3 id="sync-settings-title" className="section-title">
        Sync between your devices
      </h3>
      <SyncStatusBox />
      {config ? <Syncing /> : <StartSyncing />}
    </section>
  )
}
