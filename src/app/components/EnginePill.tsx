import { modelName, useModelStore, type ModelLoad } from '../stores/modelStore'
import { Icon } from './Icon'

function loadText(load: ModelLoad): string {
  const p = load.progress
  if (!p || p.phase === 'checking') return load.downloading ? 'Downloading…' : 'Loading model…'
  if (p.phase === 'downloading') return `Downloading ${p.percent}%`
  return `Loading ${p.percent}%`
}

/**
 * Which engine runs: Rules / the model's name / Downloading 45%. Opens the model manager.
 * Warns when the model chosen could not be started (the rules engine runs instead).
 */
export function EnginePill() {
  const active = useModelStore((s) => s.activeModelId)
  const load = useModelStore((s) => s.load)
  const failure = useModelStore((s) => s.failure)
  const open = useModelStore((s) => s.setDialogOpen)
  const text = load ? loadText(load) : active ? modelName(active) : 'Rules'
  const title = load
    ? `${modelName(load.modelId)}: ${load.progress?.text || 'starting'}`
    : active
      ? `The local model ${modelName(active)} writes replies and turns chats into memories.`
      : failure
        ? `The built-in rules engine is running: ${failure.message}`
        : 'Memories are extracted by the built-in rules engine: plain first-person statements, no model needed. No assistant replies.'
  return (
    <button
      type="button"
      className={`pill pill-button${failure && !load && !active ? ' pill-warn' : ''}${load ? ' pill-busy' : ''}`}
      title={title}
      aria-label={`AI engine: ${text}. Open the model manager`}
      onClick={() => open(true)}
    >
      {load ? <span className="spinner" aria-hidden="true" /> : <Icon name="chip" size={16} />}
      <span className="pill-text">{text}</span>
      {load?.progress && load.progress.phase !== 'checking' && (
        // phones show the icon only; the percent stays in sight
        <span className="pill-short" aria-hidden="true">
          {load.progress.percent}%
        </span>
      )}
      {load?.progress && load.progress.phase !== 'checking' && (
        <span className="pill-progress" aria-hidden="true" style={{ width: `${load.progress.percent}%` }} />
      )}
    </button>
  )
}
