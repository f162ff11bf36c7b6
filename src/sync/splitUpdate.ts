import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'

/**
 * Splits a Yjs update (format v1) into consecutive updates of about `maxBytes` each. Applied in
 * order, the pieces leave a document exactly as the whole update does, and each applies completely
 * on its own (nothing waits in Yjs for a later piece): the structs go in an order in which every
 * struct comes after the structs it names (its left and right origins and its parent), as Yjs
 * itself integrates them, and the last piece holds the delete set.
 *
 * Why: a new device receives a user's document as one update of megabytes, and Yjs applies an
 * update in one synchronous step (about 100 ms per megabyte here). Applied piece by piece, with the
 * page free between pieces, no step blocks it for long (docs/DESIGN.md, "Receiving large documents").
 *
 * Yjs has no public API for this, but it does export everything it needs: `decodeUpdate` reads the
 * structs without integrating them, and each struct writes itself to an `UpdateEncoderV1` exactly
 * as Yjs's own encoder does (`mergeUpdates` and `diffUpdate` write decoded structs the same way).
 * The tests check that the pieces rebuild the same document for documents written by several
 * clients, with overwrites, deletions and nested types.
 */
export function splitUpdate(update: Uint8Array, maxBytes: number): Uint8Array[] {
  if (update.byteLength <= maxBytes) return [update]
  const { structs, ds } = Y.decodeUpdate(update)
  const pieces: Uint8Array[] = []
  // the piece being built: one run of consecutive structs per client (an update holds a client
  // once), each encoded already
  let runs = new Map<number, Run>()
  let bytes = 0
  const finish = (withDeletes: boolean) => {
    const out = new Y.UpdateEncoderV1()
    encoding.writeVarUint(out.restEncoder, runs.size)
    for (const r of runs.values()) {
      encoding.writeVarUint(out.restEncoder, r.count)
      out.writeClient(r.client)
      encoding.writeVarUint(out.restEncoder, r.clock)
      encoding.writeUint8Array(out.restEncoder, encoding.toUint8Array(r.body.restEncoder))
    }
    writeDeleteSet(out, withDeletes ? ds : null)
    pieces.push(out.toUint8Array())
    runs = new Map()
    bytes = 0
  }
  for (const s of dependencyOrder(structs)) {
    const { client, clock } = s.id
    let run = runs.get(client)
    if (!run) runs.set(client, (run = { client, clock, end: clock, count: 0, body: new Y.UpdateEncoderV1() }))
    else if (run.end !== clock) throw new Error(`splitUpdate: client ${client} continues at ${clock}, not ${run.end}`)
    const before = encoding.length(run.body.restEncoder)
    s.write(run.body, 0)
    run.count++
    run.end += s.length
    bytes += encoding.length(run.body.restEncoder) - before
    if (bytes >= maxBytes) finish(false)
  }
  // the rest, with the delete set (alone, if the structs filled whole pieces)
  if (runs.size || ds.clients.size) finish(true)
  return pieces
}

type Struct = ReturnType<typeof Y.decodeUpdate>['structs'][number]
interface StructId {
  client: number
  clock: number
}

/** The structs of other clients a struct names: its origins and (when it has none) its parent item. */
function dependencies(s: Struct): StructId[] {
  const item = s as Partial<{ origin: StructId | null; rightOrigin: StructId | null; parent: unknown }>
  const out: StructId[] = []
  if (item.origin) out.push(item.origin)
  if (item.rightOrigin) out.push(item.rightOrigin)
  const parent = item.parent as Partial<StructId> | null | undefined
  if (parent && typeof parent === 'object' && typeof parent.client === 'number' && typeof parent.clock === 'number') out.push(parent as StructId)
  return out.filter((d) => d.client !== s.id.client)
}

/**
 * The structs in an order Yjs can integrate one by one: each client's structs in clock order, and a
 * struct that names another client's struct of this same update after it (Yjs's integrateStructs
 * walks the clients the same way, with a stack). A struct named that this update does not hold is
 * the receiver's already (or missing: Yjs then waits for it, as it would for the whole update).
 */
function dependencyOrder(structs: Struct[]): Struct[] {
  const byClient = new Map<number, Struct[]>()
  for (const s of structs) {
    const list = byClient.get(s.id.client)
    if (list) list.push(s)
    else byClient.set(s.id.client, [s])
  }
  const next = new Map<number, number>()
  /** per client: the clock after its last struct taken so far, and after its last struct in the update */
  const taken = new Map<number, number>()
  const end = new Map<number, number>()
  for (const [client, list] of byClient) {
    next.set(client, 0)
    taken.set(client, list[0].id.clock)
    const last = list[list.length - 1]
    end.set(client, last.id.clock + last.length)
  }
  const unmet = (s: Struct): number | null => {
    for (const d of dependencies(s)) {
      const t = taken.get(d.client)
      if (t !== undefined && d.clock >= t && d.clock < end.get(d.client)!) return d.client
    }
    return null
  }
  const order: Struct[] = []
  for (const first of byClient.keys()) {
    const stack = [first]
    while (stack.length) {
      const client = stack[stack.length - 1]
      const list = byClient.get(client)!
      const i = next.get(client)!
      if (i >= list.length) {
        stack.pop()
        continue
      }
      const s = list[i]
      const need = unmet(s)
      // (a client already on the stack: a cycle no valid update has; taken as it comes, Yjs sorts it out)
      if (need !== null && !stack.includes(need)) {
        stack.push(need)
        continue
      }
      order.push(s)
      next.set(client, i + 1)
      taken.set(client, s.id.clock + s.length)
      if (stack.length > 1) stack.pop() // back to the client that needed it
    }
  }
  return order
}

interface Run {
  client: number
  /** the clock of its first struct */
  clock: number
  /** the clock after its last struct */
  end: number
  count: number
  body: Y.UpdateEncoderV1
}

/** Writes a delete set as Yjs's v1 encoder does (clients in descending order); null: an empty one. */
function writeDeleteSet(encoder: Y.UpdateEncoderV1, ds: { clients: Map<number, { clock: number; len: number }[]> } | null): void {
  const clients = ds ? [...ds.clients.entries()].filter(([, items]) => items.length).sort(([a], [b]) => b - a) : []
  encoding.writeVarUint(encoder.restEncoder, clients.length)
  for (const [client, items] of clients) {
    encoder.resetDsCurVal()
    encoding.writeVarUint(encoder.restEncoder, client)
    encoding.writeVarUint(encoder.restEncoder, items.length)
    for (const item of items) {
      encoder.writeDsClock(item.clock)
      encoder.writeDsLen(item.len)
    }
  }
}
