import { request } from 'undici'

/** Why a token was not accepted: the service said no, or it could not be asked. */
export type CaptchaVerdict = { ok: true } | { ok: false; reason: 'rejected' | 'unavailable' }

/**
 * Asks the provider's siteverify (hCaptcha and Turnstile take the same form: `secret`,
 * `response`, `remoteip`) whether a widget token is good. Only `success === true` passes.
 */
export async function verifyCaptchaToken(
  o: { verifyUrl: string; secret: string; siteKey: string; timeoutMs: number },
  token: string,
  remoteIp: string,
): Promise<CaptchaVerdict> {
  const form = new URLSearchParams({
    secret: o.secret,
    response: token,
    remoteip: remoteIp,
    sitekey: o.siteKey,
  })
  try {
    const res = await request(o.verifyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    })
    const text = await res.body.text()
    if (res.statusCode !== 200) return { ok: false, reason: 'unavailable' }
    const body = JSON.parse(text) as { success?: unknown }
    return body.success === true ? { ok: true } : { ok: false, reason: 'rejected' }
  } catch {
    return { ok: false, reason: 'unavailable' }
  }
}
