import { formatBytes, formatVram } from '../lib/bytes'
import type { ModelInfo, StoredModel } from '../stores/modelStore'

interface ModelRowProps {
  model: ModelInfo
  stored: StoredModel | undefined
  active: boolean
  recommended: boolean
  /** the last attempt to load it failed (the manager says why) */
  failed: boolean
  /** models cannot run here, or another one is loading */
  canLoad: boolean
  onUse(): void
  onDelete(): void
}

/** One model: name, size, what is on this device, and Download / Use / Delete. */
export function ModelRow({ model, stored, active, recommended, failed, canLoad, onUse, onDelete }: ModelRowProps) {
  const vram = formatVram(model.vramRequiredMB)
  const name = model.family
  const action = stored?.complete ? 'Use' : failed ? 'Try again' : stored ? 'Resume download' : 'Download'
  return (
    <li className={`model-row${active ? ' active' : ''}`}>
      <div className="model-main">
        <p className="model-name">
          {name} <span className="model-quant">{model.quantization}</span>
        </p>
        <p className="model-facts">
          {vram && <span>needs about {vram} of GPU memory</span>}
          {model.contextWindowSize && <span>{(model.contextWindowSize / 1024).toFixed(0)}k context</span>}
        </p>
        <p className="model-badges">
          {recommended && <span className="badge badge-processing">Recommended</span>}
          {active && <span className="badge badge-processed">In use</span>}
          {stored?.complete && <span className="badge badge-pending">On this device · {formatBytes(stored.bytes)}</span>}
          {stored && !stored.complete && <span className="badge badge-failed">Partly downloaded · {formatBytes(stored.bytes)}</span>}
          {!recommended && model.lowResourceRequired && <span className="badge badge-pending">Light</span>}
        </p>
      </div>
      <div className="model-actions">
        {!active && (
          <button type="button" className={`button small${stored?.complete ? ' primary' : ''}`} disabled={!canLoad} onClick={onUse} aria-label={`${action} ${name} (${model.quantization})`}>
            {action}
          </button>
        )}
        {stored && (
          <button type="button" className="button small ghost" onClick={onDelete} aria-label={`Delete ${name} (${model.quantization}) from this device`}>
            Delete
          </button>
        )}
      </div>
    </li>
  )
}
