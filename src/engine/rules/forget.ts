import { contentTokens, isSubset } from './similarity'

/**
 * "Forget that I live in Paris", "please forget everything about my sister": a request to delete
 * memories, said in the chat. Recognised without a model, so that it works with the rules engine;
 * the app asks for confirmation before anything is deleted, and the rules engine never turns such
 * a message into a memory of its own.
 */
export interface ForgetRequest {
  /** what is to be forgotten, as said ("I live in Paris", "my sister") */
  subject: string
  /** its content words (stemmed, stop words out): a memory is about it when it has all of them */
  tokens: string[]
}

// A request starts the message (after a greeting or "please"), and is addressed to the assistant:
// "can you forget …", "forget …". "Don't forget to …", "I forgot …" and "I always forget …" are not.
const LEAD = String.raw`^(?:(?:hey|hi|ok|okay|so|and|also)[,!]?\s+)?(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?`
const OBJECT = String.raw`(?:(?:everything|anything|all|what\s+(?:i|you)\s+(?:said|told\s+you|know))\s+(?:about|on|regarding)\s+|about\s+|the\s+fact\s+that\s+|that\s+)?`
const REQUEST = new RegExp(`${LEAD}(?:forget|unlearn|stop\\s+remembering|delete\\s+(?:the\\s+)?memor(?:y|ies)\\s+(?:of|about|that))\\s+${OBJECT}(.+)$`, 'i')

export function parseForgetRequest(text: unknown): ForgetRequest | null {
  if (typeof text !== 'string') return null
  // one request per message: its first sentence
  const first = text.trim().split(/(?<=[.!?])\s+|\n/)[0] ?? ''
  const m = REQUEST.exec(first.trim())
  if (!m) return null
  const subject = m[1].replace(/\s*(?:,?\s*please)?\s*[.!?]*$/i, '').trim()
  // "forget it", "forget that": nothing named, nothing to find
  const tokens = [...contentTokens(subject)]
  if (!subject || tokens.length === 0) return null
  return { subject, tokens }
}

/** The memories a request is about: those whose content has every word of the request's subject. */
export function memoriesAbout<T extends { content: string }>(request: ForgetRequest, memories: Iterable<T>): T[] {
  const wanted = new Set(request.tokens)
  const out: T[] = []
  for (const m of memories) if (isSubset(wanted, contentTokens(m.content))) out.push(m)
  return out
}
