import fc from 'fast-check'
import { lexicons } from '@atproto/api'
import { hostileNumber, hostileString, hostileValue } from './hostile-values.js'

// Inputs derived from a method's lexicon (the documents @entryway/xrpc validates against): values
// of the declared shape, and every way to break them (missing or extra fields, wrong types, null,
// strings and numbers at and past their limits, malformed identifiers), mixed at every level.

type Schema = { type: string; [k: string]: unknown }

/** Values the fuzz may pick so that lookups sometimes hit real rows (seeded accounts, codes…). */
export interface KnownValues {
  dids: string[]
  handles: string[]
  emails: string[]
  strings: string[]
}

/** Identifiers of each string format: well-formed (known or random) and malformed. */
function formatString(format: string | undefined, known: KnownValues): fc.Arbitrary<string> {
  const b32 = fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567'),
    minLength: 24,
    maxLength: 24,
  })
  const label = fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'),
    minLength: 1,
    maxLength: 20,
  })
  const did = fc.oneof(
    fc.constantFrom(...known.dids),
    b32.map((s) => `did:plc:${s}`),
    label.map((l) => `did:web:${l}.test`),
  )
  const handle = fc.oneof(
    fc.constantFrom(...known.handles),
    label.map((l) => `${l}.example.test`),
  )
  const badIdent = fc.constantFrom(
    'did:',
    'did:plc:',
    'did:PLC:abc',
    'did:plc:' + 'a'.repeat(2100),
    'did:web:%00',
    'did:plc:abc\u0000',
    'handle',
    '.test',
    'a..b',
    '-a.test',
    'a.test.',
    'at://',
    'at://did:plc:x/',
    'bafy',
    'b'.repeat(200),
    '2026-13-45T25:61:61Z',
    '0000-00-00',
    '1970-01-01T00:00:00',
    'not-a-date',
    'com.',
    'com..x',
    'x',
  )
  switch (format) {
    case 'did':
      return fc.oneof({ weight: 4, arbitrary: did }, { weight: 1, arbitrary: badIdent })
    case 'handle':
      return fc.oneof({ weight: 4, arbitrary: handle }, { weight: 1, arbitrary: badIdent })
    case 'at-identifier':
      return fc.oneof(did, handle, badIdent)
    case 'at-uri':
      return fc.oneof(
        did.map((d) => `at://${d}/app.bsky.feed.post/3k2abc`),
        did.map((d) => `at://${d}`),
        badIdent,
      )
    case 'nsid':
      return fc.oneof(
        fc.constantFrom('app.bsky.feed.post', 'com.atproto.server.createSession'),
        badIdent,
      )
    case 'cid':
      return fc.oneof(
        fc.constant('bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a'),
        badIdent,
      )
    case 'datetime':
      return fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        badIdent,
      )
    case 'uri':
      return fc.oneof(fc.webUrl(), badIdent)
    case 'tid':
    case 'record-key':
      return fc.oneof(fc.constant('3k2abcdefghij'), badIdent)
    case 'language':
      return fc.oneof(fc.constantFrom('en', 'pt-BR', 'x-'), badIdent)
    default:
      return fc.oneof(
        fc.constantFrom(...known.strings, ...known.emails, ...known.handles, ...known.dids),
        fc.string({ maxLength: 30 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
      )
  }
}

/** A value for `schema`: usually well-shaped, sometimes hostile, at any depth. */
export function lexValue(schema: Schema, known: KnownValues, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: shapedValue(schema, known, depth) },
    { weight: 1, arbitrary: brokenValue(schema) },
  )
}

/** Wrong for this schema in a way that depends on it: limits crossed, other types. */
function brokenValue(schema: Schema): fc.Arbitrary<unknown> {
  const maxLength =
    typeof schema.maxLength === 'number'
      ? schema.maxLength
      : typeof schema.maxGraphemes === 'number'
        ? schema.maxGraphemes
        : undefined
  switch (schema.type) {
    case 'string':
      return fc.oneof(
        { weight: 3, arbitrary: hostileString(maxLength) },
        { weight: 1, arbitrary: hostileValue(maxLength) },
      )
    case 'integer':
      return fc.oneof(
        hostileNumber(schema.minimum as number | undefined, schema.maximum as number | undefined),
        hostileValue(),
      )
    default:
      return hostileValue(maxLength)
  }
}

function shapedValue(schema: Schema, known: KnownValues, depth: number): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case 'string': {
      if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]))
      if (Array.isArray(schema.knownValues) && schema.knownValues.length) {
        return fc.oneof(
          fc.constantFrom(...(schema.knownValues as string[])),
          formatString(undefined, known),
        )
      }
      return formatString(schema.format as string | undefined, known)
    }
    case 'integer': {
      const min = (schema.minimum as number | undefined) ?? -1000
      const max = (schema.maximum as number | undefined) ?? 1000
      return fc.integer({ min, max })
    }
    case 'boolean':
      return fc.boolean()
    case 'array': {
      const items = schema.items as Schema
      const maxLength = Math.min((schema.maxLength as number | undefined) ?? 5, 5)
      return fc.array(depth > 4 ? fc.constant(null) : lexValue(items, known, depth + 1), {
        maxLength,
      })
    }
    case 'object':
    case 'params':
      return lexObject(schema, known, depth)
    case 'ref':
      return fc
        .constant(null)
        .chain(() => shapedValue(resolveRef(schema.ref as string), known, depth))
    case 'union': {
      const refs = schema.refs as string[]
      if (!refs.length) return hostileValue()
      return fc.constantFrom(...refs).chain((ref) =>
        lexObject(resolveRef(ref), known, depth).map((o) => ({
          $type: ref.replace(/^lex:/, '').replace(/#main$/, ''),
          ...(o as object),
        })),
      )
    }
    case 'unknown':
      return fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 3 }))
    case 'cid-link':
      return fc.constant({ $link: 'bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a' })
    case 'bytes':
      return fc.constant({ $bytes: 'AAAA' })
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

function resolveRef(ref: string): Schema {
  const def = lexicons.getDef(ref.startsWith('lex:') ? ref : `lex:${ref}`) as Schema | undefined
  return def ?? { type: 'unknown' }
}

/** Required fields usually present, optional ones sometimes, plus now and then an unknown key. */
function lexObject(
  schema: Schema,
  known: KnownValues,
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const props = (schema.properties ?? {}) as Record<string, Schema>
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const entries = Object.entries(props).map(([name, s]) => {
    const present = required.has(name)
      ? fc.oneof(
          { weight: 9, arbitrary: fc.constant(true) },
          { weight: 1, arbitrary: fc.constant(false) },
        )
      : fc.boolean()
    return present.chain((p) =>
      p ? lexValue(s, known, depth + 1).map((v) => [name, v] as const) : fc.constant(null),
    )
  })
  const extra = fc.option(
    fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', ''), hostileValue(10)),
    { freq: 8 },
  )
  return fc.tuple(fc.tuple(...entries), extra).map(([pairs, x]) => {
    const out: Record<string, unknown> = {}
    for (const p of pairs) if (p) out[p[0]] = p[1]
    if (x)
      Object.defineProperty(out, x[0], {
        value: x[1],
        enumerable: true,
        configurable: true,
        writable: true,
      })
    return out
  })
}

/** What a store cannot hold: put into one leaf of an otherwise well-shaped value. */
export const POISONS = ['\u0000', '\ud800', '\udfff', 'x\u0000y']
const POISON_INTEGERS = [2 ** 31, 2 ** 40, -(2 ** 53), 1e300]

/**
 * A well-shaped value with exactly one string (or integer) leaf poisoned: the input passes every
 * check but one, so the poison travels as far as the route lets it (a store, a lookup).
 */
export function poisonedValue(schema: Schema, known: KnownValues): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      shapedValue(schema, known, 0),
      fc.nat(),
      fc.constantFrom(...POISONS),
      fc.constantFrom(...POISON_INTEGERS),
      fc.boolean(),
    )
    .map(([v, pick, poison, big, append]) => {
      const leaves: {
        parent: Record<string, unknown> | unknown[]
        key: string | number
        value: string | number
      }[] = []
      const walk = (x: unknown, depth: number) => {
        if (!x || typeof x !== 'object' || depth > 6) return
        for (const [k, c] of Object.entries(x)) {
          if (typeof c === 'string' || typeof c === 'number')
            leaves.push({
              parent: x as Record<string, unknown>,
              key: Array.isArray(x) ? Number(k) : k,
              value: c,
            })
          else walk(c, depth + 1)
        }
      }
      walk(v, 0)
      if (!leaves.length) return v
      const leaf = leaves[pick % leaves.length]!
      const poisoned =
        typeof leaf.value === 'number' ? big : append ? leaf.value + poison : poison + leaf.value
      ;(leaf.parent as Record<string | number, unknown>)[leaf.key] = poisoned
      return v
    })
}

/** The method's lexicon definition, or null for routes without one (com.entryway.*, pages). */
export function methodDef(nsid: string): {
  type: 'query' | 'procedure' | 'subscription'
  parameters?: Schema
  input?: { encoding: string; schema?: Schema }
} | null {
  try {
    return (lexicons.getDef(nsid) as never) ?? null
  } catch {
    return null
  }
}
