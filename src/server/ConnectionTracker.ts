/**
 * Counts the distinct client WebSockets per space, for the connections-per-space cap. One socket
 * carries many documents (the provider multiplexes), so a socket counts once per space however
 * many of the space's documents it has open.
 */
export class ConnectionTracker {
  private readonly spaces = new Map<string, Map<string, Set<string>>>()

  /** Adds the document to the socket; false if that would put a new socket over the cap. */
  tryAdd(spaceId: string, socketId: string, docName: string, max: number): boolean {
    let sockets = this.spaces.get(spaceId)
    if (!sockets) this.spaces.set(spaceId, (sockets = new Map()))
    let docs = sockets.get(socketId)
    if (!docs) {
      if (sockets.size >= max) return false
      sockets.set(socketId, (docs = new Set()))
    }
    docs.add(docName)
    return true
  }

  hasSocket(spaceId: string, socketId: string): boolean {
    return this.spaces.get(spaceId)?.has(socketId) ?? false
  }

  remove(spaceId: string, socketId: string, docName: string): void {
    const sockets = this.spaces.get(spaceId)
    const docs = sockets?.get(socketId)
    if (!sockets || !docs) return
    docs.delete(docName)
    if (docs.size === 0) sockets.delete(socketId)
    if (sockets.size === 0) this.spaces.delete(spaceId)
  }

  removeSocket(spaceId: string, socketId: string): void {
    const sockets = this.spaces.get(spaceId)
    if (!sockets) return
    sockets.delete(socketId)
    if (sockets.size === 0) this.spaces.delete(spaceId)
  }

  count(spaceId: string): number {
    return this.spaces.get(spaceId)?.size ?? 0
  }
}
