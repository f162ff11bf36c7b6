import { useSyncExternalStore } from 'react'
import { PHONE_QUERY } from '../lib/media'

export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const m = window.matchMedia(query)
      m.addEventListener('change', onChange)
      return () => m.removeEventListener('change', onChange)
    },
    () => window.matchMedia(query).matches,
  )
}

export const useIsPhone = () => useMediaQuery(PHONE_QUERY)
