import fastify from 'fastify'
import { describe, expect, test } from 'tstyche'
import {
  entrywayAdminRbac,
  resolveOptions,
  type AdminLogin,
  type AdminRbacOptions,
  type AdminSessionStore,
  type AuditLog,
  type EntrywayXrpc,
  type FleetDirectory,
  type PdsAdminXrpc,
  type ResolvedAdminRbacOptions,
} from '@entryway/admin-rbac'

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T]

declare const sessions: AdminSessionStore
declare const audit: AuditLog
declare const fleet: FleetDirectory
declare const pds: PdsAdminXrpc
declare const entryway: EntrywayXrpc
declare const login: AdminLogin

const valid = {
  rbac: { file: '/etc/entryway/rbac.yaml' },
  publicUrl: 'https://entryway.test',
  cookieSecret: 'c'.repeat(32),
  stores: { sessions, audit },
  auditKey: new Uint8Array(32),
  fleet,
  pds,
  entryway,
  login,
}
const { login: _l, ...withoutLogin } = valid

describe('AdminRbacOptions', () => {
  test('the required options are exactly these', () => {
    expect<RequiredKeys<AdminRbacOptions>>().type.toBe<
      | 'rbac'
      | 'publicUrl'
      | 'cookieSecret'
      | 'stores'
      | 'auditKey'
      | 'fleet'
      | 'pds'
      | 'entryway'
      | 'login'
    >()
    expect(valid).type.toBeAssignableTo<AdminRbacOptions>()
    expect(withoutLogin).type.not.toBeAssignableTo<AdminRbacOptions>()
    expect({ ...valid, stores: { sessions } }).type.not.toBeAssignableTo<AdminRbacOptions>()
  })

  test('wrong types are errors', () => {
    expect({ ...valid, rbac: '/etc/rbac.yaml' }).type.not.toBeAssignableTo<AdminRbacOptions>()
    expect({ ...valid, auditKey: 'k'.repeat(32) }).type.not.toBeAssignableTo<AdminRbacOptions>()
    expect({ ...valid, pageSize: '50' }).type.not.toBeAssignableTo<AdminRbacOptions>()
  })

  test('now is () => number, as in every plugin', () => {
    expect<AdminRbacOptions['now']>().type.toBe<(() => number) | undefined>()
    expect({ ...valid, now: () => 0 }).type.toBeAssignableTo<AdminRbacOptions>()
    expect({ ...valid, now: () => new Date() }).type.not.toBeAssignableTo<AdminRbacOptions>()
    expect(resolveOptions(valid).now).type.toBe<() => number>()
  })

  test('resolveOptions fills defaults', () => {
    const o = resolveOptions(valid)
    expect(o).type.toBe<Readonly<ResolvedAdminRbacOptions>>()
    expect(o.prefix).type.toBe<string>()
    expect(o.sessionTtlMs).type.toBe<number>()
    expect(o.secureCookies).type.toBe<boolean>()
  })
})

describe('app.register(entrywayAdminRbac, opts)', () => {
  const app = fastify()

  test('valid options type-check', () => {
    expect(app.register(entrywayAdminRbac, valid)).type.not.toRaiseError()
  })

  test('a missing required option is an error', () => {
    expect(app.register(entrywayAdminRbac, withoutLogin)).type.toRaiseError("'login'")
  })

  test('a wrong type is an error', () => {
    expect(app.register(entrywayAdminRbac, { ...valid, prefix: 1 })).type.toRaiseError()
  })

  test('it decorates nothing', () => {
    expect(app).type.not.toHaveProperty('entrywayAdminRbac')
  })
})
