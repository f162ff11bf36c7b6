import { Icon } from './Icon'

/** Which engine turns chats into memories. The rules engine needs no model download. */
export function EnginePill() {
  return (
    <span className="pill" title="Memories are extracted by the built-in rules engine: plain first-person statements, no model needed.">
      <Icon name="chip" size={16} />
      <span className="pill-text">Rules</span>
    </span>
  )
}
