import { useClientStore } from '../stores/clientStore'
import { Icon } from './Icon'

/** Which engine turns chats into memories. The rules engine needs no model download. */
export function EnginePill() {
  const engineId = useClientStore((s) => s.client?.engine.id ?? 'rules')
  const rules = engineId === 'rules'
  const title = rules
    ? 'Memories are extracted by the built-in rules engine: plain first-person statements, no model needed.'
    : `Memories are extracted by the local model ${engineId}.`
  return (
    <span className="pill" title={title}>
      <Icon name="chip" size={16} />
      <span className="pill-text">{rules ? 'Rules' : engineId}</span>
    </span>
  )
}
