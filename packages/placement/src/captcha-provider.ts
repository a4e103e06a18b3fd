/** The captcha services the gate speaks to; both take the same siteverify form and answer `{success}`. */
export const CAPTCHA_PROVIDERS = {
  hcaptcha: {
    scriptUrl: 'https://js.hcaptcha.com/1/api.js',
    verifyUrl: 'https://api.hcaptcha.com/siteverify',
    /** The widget's element class (the script renders into it and calls `data-callback`). */
    widgetClass: 'h-captcha',
    /** Origins the widget loads frames, styles and calls from (the page's CSP). */
    origins: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
  },
  turnstile: {
    scriptUrl: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
    widgetClass: 'cf-turnstile',
    origins: ['https://challenges.cloudflare.com'],
  },
} as const

export type CaptchaProvider = keyof typeof CAPTCHA_PROVIDERS

export function isCaptchaProvider(v: unknown): v is CaptchaProvider {
  return typeof v === 'string' && Object.hasOwn(CAPTCHA_PROVIDERS, v)
}
