import { Component, useEffect, useRef, useState, type ErrorInfo, type ReactNode } from 'react'
import { errorMessage } from '../lib/errors'
import { exportEverything } from '../stores/backupActions'
import { Icon } from './Icon'

/** What the card's buttons do: the page reloads; the backup is the app's own "Export everything". */
export interface BoundaryActions {
  reload(): void
  /** Downloads a backup of everything on this device; resolves to the file's name. */
  exportBackup(): Promise<string>
}

const DEFAULT_ACTIONS: BoundaryActions = {
  reload: () => location.reload(),
  exportBackup: exportEverything,
}

interface PanelBoundaryProps {
  /** What could not be shown, as a sentence's subject: "The conversation", "Your memories". */
  what: string
  children: ReactNode
  /**
   * The class of the element the card sits in, so that it takes the panel's place in the layout
   * (e.g. "conversation"). `variant="inline"` is a one-line notice for small places (the top bar).
   */
  className?: string
  variant?: 'panel' | 'section' | 'inline'
  /** When this changes (another chat, new data), the panel is tried again. */
  resetKey?: unknown
  actions?: Partial<BoundaryActions>
}

interface PanelBoundaryState {
  error: unknown
  failed: boolean
  resetKey: unknown
}

/**
 * A React error boundary around one panel: a render error there shows a card that says what
 * failed, with Reload and Export backup, while the rest of the app keeps working.
 */
export class PanelBoundary extends Component<PanelBoundaryProps, PanelBoundaryState> {
  override state: PanelBoundaryState = { error: null, failed: false, resetKey: this.props.resetKey }

  static getDerivedStateFromError(error: unknown): Partial<PanelBoundaryState> {
    return { error, failed: true }
  }

  static getDerivedStateFromProps(props: PanelBoundaryProps, state: PanelBoundaryState): Partial<PanelBoundaryState> | null {
    if (Object.is(props.resetKey, state.resetKey)) return null
    return { error: null, failed: false, resetKey: props.resetKey }
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // Kept for whoever debugs it; the person sees the card.
    console.warn(`[keepsake] ${this.props.what} could not be shown:`, error, info.componentStack)
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children
    const actions = { ...DEFAULT_ACTIONS, ...this.props.actions }
    return <PanelErrorCard what={this.props.what} error={this.state.error} actions={actions} className={this.props.className} variant={this.props.variant ?? 'panel'} />
  }
}

interface PanelErrorCardProps {
  what: string
  error: unknown
  actions: BoundaryActions
  className?: string
  variant: 'panel' | 'section' | 'inline'
}

type ExportState = { state: 'idle' } | { state: 'busy' } | { state: 'done'; file: string } | { state: 'failed'; message: string }

/** The card a failed panel shows: what failed (the error's own message, as text), Reload, Export backup. */
export function PanelErrorCard({ what, error, actions, className, variant }: PanelErrorCardProps) {
  const [exporting, setExporting] = useState<ExportState>({ state: 'idle' })
  const title = useRef<HTMLParagraphElement>(null)
  const message = errorMessage(error)

  // Focus that was inside the panel went with it: put it on the card rather than leave it nowhere.
  useEffect(() => {
    if (document.activeElement === document.body || document.activeElement === null) title.current?.focus()
  }, [])

  const exportBackup = async () => {
    setExporting({ state: 'busy' })
    try {
      setExporting({ state: 'done', file: await actions.exportBackup() })
    } catch (e) {
      setExporting({ state: 'failed', message: errorMessage(e) })
    }
  }

  if (variant === 'inline') {
    return (
      <span className={`panel-error-inline${className ? ` ${className}` : ''}`} role="alert" data-panel-error={what}>
        <Icon name="warning" size={16} />
        <span className="panel-error-inline-text" title={message}>
          {what} could not be shown
          <span className="visually-hidden">: {message}</span>
        </span>
        <button type="button" className="button small" onClick={actions.reload}>
          Reload
        </button>
      </span>
    )
  }

  const card = (
    <div className={`panel-error panel-error-${variant}`} role="alert" data-panel-error={what}>
      <p className="panel-error-title" ref={title} tabIndex={-1}>
        <Icon name="warning" size={18} />
        <span>{what} could not be shown</span>
      </p>
      <p className="panel-error-message">{message}</p>
      <p className="panel-error-hint">
        The rest of Keepsake keeps working, and nothing was deleted. Reloading reads everything again; a backup keeps a copy of your data whatever happens.
      </p>
      <div className="panel-error-actions">
        <button type="button" className="button primary small" onClick={actions.reload}>
          Reload
        </button>
        <button type="button" className="button small" onClick={() => void exportBackup()} disabled={exporting.state === 'busy'}>
          <Icon name="download" size={16} />
          {exporting.state === 'busy' ? 'Exporting…' : 'Export backup'}
        </button>
      </div>
      {exporting.state === 'done' && (
        <p className="panel-error-status" role="status">
          Saved {exporting.file} to your downloads.
        </p>
      )}
      {exporting.state === 'failed' && (
        <p className="form-error" role="alert">
          The backup could not be made: {exporting.message}
        </p>
      )}
    </div>
  )
  if (variant === 'section') return card
  return <div className={`panel-error-place${className ? ` ${className}` : ''}`}>{card}</div>
}
