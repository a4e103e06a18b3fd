import fastify from 'fastify'
import { describe, expect, test } from 'tstyche'
import { optionsKit, xrpcErrorHandler, type OptionsKit, type Resolved } from '@entryway/xrpc'

interface Opts {
  store: { get(): void }
  name?: string
  limit?: number | null
  now?: () => number
  names?: readonly string[]
}

describe('Resolved<T>', () => {
  test('optional options become required, with their types kept', () => {
    expect<Resolved<Opts>['name']>().type.toBe<string>()
    expect<Resolved<Opts>['limit']>().type.toBe<number | null>()
    expect<Resolved<Opts>['now']>().type.toBe<() => number>()
    expect<Resolved<Opts>['store']>().type.toBe<{ get(): void }>()
    expect<Resolved<Opts>>().type.toBeAssignableTo<Required<Opts>>()
    expect<Opts>().type.not.toBeAssignableTo<Resolved<Opts>>()
  })

  test('every property is read-only', () => {
    const r = {} as Resolved<Opts>
    expect(() => {
      r.name = 'x'
    }).type.toRaiseError("Cannot assign to 'name' because it is a read-only property")
  })

  test('Normalised replaces the type of a normalised option', () => {
    type R = Resolved<Opts, { names: ReadonlySet<string> }>
    expect<R['names']>().type.toBe<ReadonlySet<string>>()
    expect<R['name']>().type.toBe<string>()
    expect<R>().type.not.toHaveProperty('other')
  })
})

describe('optionsKit', () => {
  const kit = optionsKit('@entryway/x')

  test('is an OptionsKit whose validators return the option type', () => {
    expect(kit).type.toBe<OptionsKit>()
    expect(kit.positiveInt('n', 1, 2)).type.toBe<number>()
    expect(kit.bool('b', true, false)).type.toBe<boolean>()
    expect(kit.clock(undefined)).type.toBe<() => number>()
    expect(kit.fn('f', undefined, (x: string) => x.length)).type.toBe<(x: string) => number>()
    expect(kit.fail).type.toBe<(message: string) => never>()
  })

  test('validators refuse wrong argument types', () => {
    expect(optionsKit).type.not.toBeCallableWith()
    expect(kit.positiveInt).type.not.toBeCallableWith('n', 1, '2')
    expect(kit.bool).type.not.toBeCallableWith('b', true, 'false')
  })
})

describe('xrpcErrorHandler', () => {
  test('registers on any Fastify 5 app', () => {
    expect(fastify().register(xrpcErrorHandler)).type.not.toRaiseError()
  })
})
