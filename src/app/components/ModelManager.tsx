import { useEffect, useId, useState } from 'react'
import { formatBytes } from '../lib/bytes'
import { modelName, useModelStore, type ModelInfo, type WebGPUProbe } from '../stores/modelStore'
import { notify } from '../stores/noticeStore'
import { ConfirmDialog } from './ConfirmDialog'
import { Icon } from './Icon'
import { ModelProgress } from './ModelProgress'
import { ModelRow } from './ModelRow'
import { Skeleton } from './Skeleton'

function adapterName(probe: WebGPUProbe): string {
  const a = probe.adapter
  if (!a) return 'no GPU adapter'
  return a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || a.device || 'an unnamed GPU'
}

/** WebGPU: available or not, on which adapter, and what that means for the model. */
function GpuStatus({ probe }: { probe: WebGPUProbe | null }) {
  if (!probe) {
    return (
      <p className="callout gpu-status" role="status">
        <span className="spinner inline" aria-hidden="true" /> Checking this device’s GPU…
      </p>
    )
  }
  const tone = !probe.available || !probe.canRunModels ? 'bad' : probe.software ? 'warn' : 'ok'
  return (
    <div className={`callout gpu-status callout-${tone}`} role="status">
      <Icon name={tone === 'ok' ? 'check' : 'warning'} size={18} />
      <div>
        <p className="gpu-title">
          {probe.available ? (
            <>
              WebGPU: <strong>{adapterName(probe)}</strong>
              {probe.software ? ' (software renderer)' : ''}
              {probe.shaderF16 ? ' · 16-bit shaders' : ' · no 16-bit shaders'}
            </>
          ) : (
            'WebGPU: not available'
          )}
        </p>
        <p className="gpu-message">{probe.message}</p>
      </div>
    </div>
  )
}

/**
 * The model manager: WebGPU check, the models that fit, download with progress and cancel, what is
 * stored and how much room it takes, use or delete a model, or go back to the rules engine.
 */
export function ModelManager({ inDialog = false }: { inDialog?: boolean }) {
  const { probe, models, listStatus, listError, stored, activeModelId, load, failure, inspect, use, useRules, remove } = useModelStore()
  const [deleting, setDeleting] = useState<ModelInfo | null>(null)
  const [moreOpen, setMoreOpen] = useState(false)
  const titleId = useId()

  useEffect(() => {
    void inspect()
  }, [])

  const canRun = !!probe?.available && probe.canRunModels
  const recommended = models.find((m) => m.modelId === probe?.recommendedModelId) ?? null
  const storedIds = Object.keys(stored)
  const others = models.filter((m) => m !== recommended && (m.lowResourceRequired || storedIds.includes(m.modelId) || m.modelId === activeModelId))
  // Where models cannot run, only what is stored is listed (to free its room).
  const shown = canRun ? others : models.filter((m) => storedIds.includes(m.modelId))
  const totalStored = Object.values(stored).reduce((sum, s) => sum + s.bytes, 0)

  const row = (m: ModelInfo) => (
    <ModelRow
      key={m.modelId}
      model={m}
      stored={stored[m.modelId]}
      active={m.modelId === activeModelId}
      recommended={m === recommended}
      failed={failure?.modelId === m.modelId}
      canLoad={canRun && !load}
      onUse={() => void use(m.modelId)}
      onDelete={() => setDeleting(m)}
    />
  )

  return (
    <section className="settings-section model-manager" aria-labelledby={titleId}>
      <h3 id={titleId} className={inDialog ? 'visually-hidden' : 'section-title'}>
        AI model
      </h3>
      <p className="field-hint">
        Assistant replies come from a model that runs on this device’s GPU, inside the browser: nothing you write leaves the device. Without one,
        the built-in rules engine still turns your chats into memories.
      </p>
      <GpuStatus probe={probe} />

      <div className="engine-now">
        <p>
          In use: <strong>{activeModelId ? modelName(activeModelId) : 'Built-in rules engine'}</strong>
          <span className="field-hint">{activeModelId ? ' Replies and memories come from this model.' : ' Memories from plain statements; no replies.'}</span>
        </p>
        {activeModelId && (
          <button type="button" className="button small" onClick={() => void useRules()}>
            Use the rules engine
          </button>
        )}
      </div>

      {load && <ModelProgress load={load} />}
      {failure && !load && (
        <div className="callout callout-bad model-failure" role="alert">
          <Icon name="warning" size={18} />
          <p>{failure.message}</p>
        </div>
      )}

      {listStatus === 'loading' && <Skeleton lines={2} />}
      {listStatus === 'error' && (
        <p className="form-error" role="alert">
          The list of models could not be read: {listError}
        </p>
      )}
      {listStatus === 'ready' && (
        <>
          {canRun && recommended && <ul className="model-list">{row(recommended)}</ul>}
          {shown.length > 0 && (
            <details className="more-models" open={moreOpen || !canRun} onToggle={(e) => setMoreOpen(e.currentTarget.open)}>
              <summary>{canRun ? `Other models that fit most devices (${shown.length})` : `Models stored on this device (${shown.length})`}</summary>
              <ul className="model-list">{shown.map(row)}</ul>
            </details>
          )}
          <p className="field-hint model-storage" role="status">
            {totalStored > 0
              ? `Downloaded models take ${formatBytes(totalStored)} of this browser’s storage.`
              : 'No model is downloaded on this device.'}
          </p>
        </>
      )}

      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting ? deleting.family : ''}?`}
        confirmLabel="Delete model"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return
          const bytes = stored[deleting.modelId]?.bytes ?? 0
          await remove(deleting.modelId)
          notify(`Deleted ${deleting.family}: ${formatBytes(bytes)} freed`, 'success')
        }}
      >
        Its files ({formatBytes(deleting ? (stored[deleting.modelId]?.bytes ?? 0) : 0)}) are removed from this browser. You can download it again later;
        your chats and memories are not touched.
      </ConfirmDialog>
    </section>
  )
}
