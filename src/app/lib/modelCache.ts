/**
 * How much browser storage each downloaded model takes. web-llm keeps a model's files in the
 * Cache API under the model's Hugging Face URL (`<url>/resolve/main/...`), so the bytes of every
 * cached response whose URL starts with that address are the model's. Includes the shards of a
 * download that was cancelled half-way, which is what deleting the model frees.
 */

/** web-llm's base URL for a model's files (its cleanModelUrl). */
export function modelFilesUrl(repoUrl: string): string {
  let url = repoUrl.endsWith('/') ? repoUrl : `${repoUrl}/`
  if (!/.+\/resolve\/.+\//.test(url)) url += 'resolve/main/'
  return url
}

async function sizeOf(cache: Cache, request: Request): Promise<number> {
  const res = await cache.match(request)
  if (!res) return 0
  const length = Number(res.headers.get('content-length'))
  if (Number.isFinite(length) && length > 0) return length
  return (await res.blob()).size
}

/** Bytes stored per model id, for the models given as { modelId, url }; models with nothing stored are left out. */
export async function modelStorageBytes(models: readonly { modelId: string; url: string }[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  if (typeof caches === 'undefined' || models.length === 0) return out
  const bases = models.map((m) => ({ modelId: m.modelId, base: modelFilesUrl(m.url) }))
  for (const name of await caches.keys()) {
    const cache = await caches.open(name)
    for (const request of await cache.keys()) {
      const owner = bases.find((b) => request.url.startsWith(b.base))
      if (owner) out[owner.modelId] = (out[owner.modelId] ?? 0) + (await sizeOf(cache, request))
    }
  }
  return out
}
