import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { pairingLink, type SyncConfig } from '../../index'
import { appUrl, isLoopback } from '../lib/syncConfig'
import { Icon } from './Icon'

/** The pairing link as a QR code (the qrcode package is loaded when first needed). */
function PairingQr({ link }: { link: string }) {
  const [src, setSrc] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    void import('qrcode')
      .then((qr) => qr.toDataURL(link, { errorCorrectionLevel: 'M', margin: 2, width: 360, color: { dark: '#000000', light: '#ffffff' } }))
      .then((url) => live && setSrc(url))
      .catch(() => live && setSrc(null))
    return () => {
      live = false
    }
  }, [link])
  if (!src) return <div className="pairing-qr pairing-qr-empty" aria-hidden="true" />
  return <img className="pairing-qr" src={src} width={180} height={180} alt="QR code of the pairing link: scan it with your other device's camera" />
}

async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    // Clipboard refused (no permission, insecure page): select the text so the person can copy it.
    input?.select()
    return false
  }
}

/** The link and QR code that let another device join this space, with a copy button. */
export function PairingPanel({ config }: { config: SyncConfig }) {
  const link = useMemo(() => pairingLink(appUrl(), { serverUrl: config.url, spaceId: config.spaceId, secret: config.secret }), [config])
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null)
  const input = useRef<HTMLInputElement>(null)
  const ids = { link: useId(), warn: useId() }
  const localOnly = isLoopback(config.url) || isLoopback(appUrl())

  useEffect(() => {
    if (!copied) return
    const t = setTimeout(() => setCopied(null), 2500)
    return () => clearTimeout(t)
  }, [copied])

  return (
    <div className="pairing">
      <PairingQr link={link} />
      <div className="pairing-body">
        <p className="pairing-lead">Open this link on your other device, or scan the code with its camera. That device joins this space, and its data merges with this one.</p>
        <div className="field">
          <label htmlFor={ids.link}>Pairing link</label>
          <div className="sync-row">
            <input id={ids.link} ref={input} className="code-input" value={link} readOnly aria-describedby={ids.warn} onFocus={(e) => e.currentTarget.select()} />
            <button type="button" className="button" onClick={async () => setCopied((await copyText(link, input.current)) ? 'yes' : 'no')}>
              <Icon name={copied === 'yes' ? 'check' : 'link'} size={16} />
              {copied === 'yes' ? 'Copied' : 'Copy'}
            </button>
          </div>
          <p className="visually-hidden" role="status">
            {copied === 'yes' ? 'Pairing link copied' : copied === 'no' ? 'Copying was refused: the link is selected, copy it with your keyboard' : ''}
          </p>
        </div>
        <p id={ids.warn} className="field-hint pairing-warning">
          <Icon name="warning" size={16} />
          <span>Anyone with this link can read and change your synced data. Share it only with your own devices.</span>
        </p>
        {localOnly && (
          <p className="field-hint">
            This link names this computer (localhost), so it works in other browsers on this computer only. To pair a phone, open Keepsake with this computer’s network address and use a
            sync server address the phone can reach.
          </p>
        )}
      </div>
    </div>
  )
}
