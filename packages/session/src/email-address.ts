// Deliberately simple: one @, a dotted domain, no spaces. Deliverability is proven by confirmation.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/

export function isValidEmail(email: string): boolean {
  return email.length <= 254 && EMAIL.test(email)
}
