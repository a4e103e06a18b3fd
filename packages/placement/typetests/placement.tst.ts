import fastify from 'fastify'
import { describe, expect, test } from 'tstyche'
import {
  entrywayPlacement,
  resolveOptions,
  type AccountDirectory,
  type HealthChecker,
  type HostRegistry,
  type InviteStore,
  type PdsClient,
  type PlacementAuth,
  type PlacementOptions,
  type PlcClient,
  type ResolvedPlacementOptions,
  type SessionMinter,
  type SignupReconciler,
  type SignupStore,
} from '@entryway/placement'

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T]

declare const rotationKey: PlacementOptions['rotationKey']
declare const hosts: HostRegistry
declare const signups: SignupStore
declare const accounts: AccountDirectory
declare const invites: InviteStore
declare const pds: PdsClient
declare const plc: PlcClient
declare const auth: PlacementAuth
declare const sessions: SessionMinter

const valid = {
  handleDomains: ['.entryway.test'],
  rotationKey,
  hosts,
  signups,
  accounts,
  invites,
  pds,
  plc,
  auth,
  sessions,
  requestKeySecret: 'secret',
}
const { hosts: _h, ...withoutHosts } = valid

describe('PlacementOptions', () => {
  test('the required options are exactly these', () => {
    expect<RequiredKeys<PlacementOptions>>().type.toBe<
      | 'handleDomains'
      | 'rotationKey'
      | 'hosts'
      | 'signups'
      | 'accounts'
      | 'invites'
      | 'pds'
      | 'plc'
      | 'auth'
      | 'sessions'
      | 'requestKeySecret'
    >()
    expect(valid).type.toBeAssignableTo<PlacementOptions>()
    expect(withoutHosts).type.not.toBeAssignableTo<PlacementOptions>()
  })

  test('wrong types are errors', () => {
    expect({
      ...valid,
      handleDomains: '.entryway.test',
    }).type.not.toBeAssignableTo<PlacementOptions>()
    expect({ ...valid, requestKeySecret: 7 }).type.not.toBeAssignableTo<PlacementOptions>()
    expect({
      ...valid,
      requestKeySecret: new Uint8Array(32),
    }).type.toBeAssignableTo<PlacementOptions>()
    expect({ ...valid, healthCheckIntervalMs: '10s' }).type.not.toBeAssignableTo<PlacementOptions>()
  })

  test('resolveOptions fills defaults and normalises', () => {
    const o = resolveOptions(valid)
    expect(o).type.toBe<ResolvedPlacementOptions>()
    expect(o.inviteRequired).type.toBe<boolean>()
    expect(o.healthCheckIntervalMs).type.toBe<number>()
    expect(o.reservedHandles).type.toBe<ReadonlySet<string>>()
    expect(o.requestKeySecret).type.toBe<Uint8Array>()
    expect(() => {
      o.inviteRequired = true
    }).type.toRaiseError('read-only')
  })
})

describe('app.register(entrywayPlacement, opts)', () => {
  const app = fastify()

  test('valid options type-check', () => {
    expect(app.register(entrywayPlacement, valid)).type.not.toRaiseError()
  })

  test('a missing required option is an error', () => {
    expect(app.register(entrywayPlacement, withoutHosts)).type.toRaiseError("'hosts'")
  })

  test('a wrong type is an error', () => {
    expect(app.register(entrywayPlacement, { ...valid, inviteRequired: 'yes' })).type.toRaiseError()
  })
})

describe('decorators', () => {
  test('app.entrywayPlacement', () => {
    expect(fastify().entrywayPlacement).type.toBe<{
      health: HealthChecker
      reconciler: SignupReconciler
      options: ResolvedPlacementOptions
    }>()
  })
})
