import { formatBytes } from '../lib/bytes'
import { modelName, useModelStore, type ModelLoad } from '../stores/modelStore'

const PHASE: Record<string, string> = {
  checking: 'Getting ready',
  downloading: 'Downloading',
  loading: 'Loading onto the GPU',
  compiling: 'Preparing the GPU',
  ready: 'Ready',
}

/** A model download or load: phase, percent, bytes, and Cancel. */
export function ModelProgress({ load }: { load: ModelLoad }) {
  const cancel = useModelStore((s) => s.cancel)
  const p = load.progress
  const phase = p ? PHASE[p.phase] : load.downloading ? 'Getting ready to download' : 'Getting ready'
  const determinate = p && p.phase !== 'checking'
  const bytes = p?.loadedBytes ? `${formatBytes(p.loadedBytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''}` : null
  const label = `${phase} ${modelName(load.modelId)}`
  return (
    <div className="model-progress" role="group" aria-label={label}>
      <div className="model-progress-head">
        <p>
          <strong>{label}</strong>
          {determinate && <span className="model-percent"> {p.percent}%</span>}
        </p>
        <button type="button" className="button small" onClick={cancel}>
          Cancel
        </button>
      </div>
      {determinate ? <progress max={100} value={p.percent} aria-label={label} /> : <progress aria-label={label} />}
      <p className="field-hint" aria-live="polite">
        {bytes ?? (p?.text || 'Contacting the model server…')}
      </p>
    </div>
  )
}
