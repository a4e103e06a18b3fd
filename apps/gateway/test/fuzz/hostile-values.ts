import fc from 'fast-check'

// Values that break parsers, databases and validators, whatever the field: the fuzz mixes them
// into every position of every input. Generators only (fast-check), no hand-written cases per route.

/** Characters the database or a JSON/URL parser treats specially. */
const SPECIAL_CHARS = [
  '\u0000', // Postgres text cannot hold NUL
  '\ud800', // lone high surrogate: not encodable as UTF-8
  '\udfff', // lone low surrogate
  '\ufffd',
  '\ufeff',
  '\u202e', // right-to-left override
  '\u200b',
  '\r\n',
  '\t',
  '\u001b',
  '\u007f',
  '%00',
  '%',
  '\\',
  '"',
  "'",
  '<script>',
  '../',
  '#',
  '?',
  '&',
  '=',
  '+',
  ' ',
  'é', // NFC
  'e\u0301', // the same, NFD
  '\u212b', // Angstrom sign: NFC changes it
  '👨‍👩‍👧‍👦', // one grapheme, many code points
  'ﷺ',
] as const

/** A long grapheme cluster: one base character and many combining marks. */
const zalgo = (n: number) => 'a' + '\u0301'.repeat(n)

/** Strings of special characters, at and past a length limit, empty, huge. */
export function hostileString(maxLength = 300): fc.Arbitrary<string> {
  const special = fc.constantFrom(...SPECIAL_CHARS)
  return fc.oneof(
    fc.constant(''),
    { weight: 2, arbitrary: special },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.oneof(special, fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 8 })
        .map((xs) => xs.join('')),
    },
    fc.string({ unit: 'binary', maxLength: 40 }), // any code unit, including lone surrogates
    fc.constantFrom(maxLength, maxLength + 1, maxLength * 2 + 1, 10_000).map((n) => 'x'.repeat(n)),
    fc.constantFrom(maxLength, maxLength + 1).map((n) => '👨‍👩‍👧‍👦'.repeat(n)),
    fc.constantFrom(10, 300, 3_000).map(zalgo),
    fc.constantFrom(
      'NaN',
      'Infinity',
      '-1',
      '1e309',
      '9007199254740993',
      '0x10',
      '1.5',
      'null',
      'true',
      '[]',
      '{}',
    ),
  )
}

/** Numbers at the limits of integers and floats (JSON cannot carry NaN: it becomes null). */
export function hostileNumber(min?: number, max?: number): fc.Arbitrary<number> {
  const edges = [
    0,
    -1,
    1,
    1.5,
    -0.5,
    2 ** 31,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 53,
    Number.MAX_SAFE_INTEGER + 2,
    -(2 ** 53),
    1e308,
  ]
  if (min !== undefined) edges.push(min, min - 1)
  if (max !== undefined) edges.push(max, max + 1)
  return fc.oneof(
    fc.constantFrom(...edges),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  )
}

/** A value nested `depth` levels deep, as arrays or objects. */
export const deepNesting = (depth: number, asObject: boolean): unknown => {
  let v: unknown = 'x'
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v]
  return v
}

/** Any JSON value of the wrong kind for a field: null, other types, deep or wide structures. */
export function hostileValue(maxLength?: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.boolean(),
    hostileNumber(),
    hostileString(maxLength),
    fc.constant([]),
    fc.constant({}),
    fc.array(hostileString(20), { maxLength: 5 }),
    fc.constantFrom(50, 500).chain((d) => fc.boolean().map((o) => deepNesting(d, o))),
    fc.constantFrom(1_001, 20_000).map((n) => Array.from({ length: n }, () => 'x')),
    fc.dictionary(fc.string({ maxLength: 6 }), hostileString(20), { maxKeys: 4 }),
    fc.constant(
      JSON.parse(
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      ) as unknown,
    ),
  )
}
