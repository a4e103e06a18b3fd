import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AtpAgent } from '@atproto/api'
import {
  GATEWAY_BUILT_ENTRY,
  GATEWAY_BUNDLE_ENTRY,
  REPO_ROOT,
  startFleet,
  startGateway,
} from '@entryway/testkit'

// What a deployment runs: the gateway compiled to JavaScript and bundled into one file (what the
// image's CMD starts), started with plain Node (no tsx, no source condition, so every @entryway
// package came from its dist), signing up, logging in and proxying to two real PDSes.
t.setTimeout(300_000)

t.test(
  'the built gateway (node apps/gateway/dist/bundle/gateway.mjs) against real PDSes',
  async (t) => {
    const build = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.json'],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    )
    t.equal(build.status, 0, `tsc -b builds every package ${build.stdout}${build.stderr}`)
    t.match(
      readFileSync(GATEWAY_BUILT_ENTRY, 'utf8'),
      /^#!\/usr\/bin\/env node/,
      'the bin keeps its shebang',
    )
    const bundle = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'apps', 'gateway', 'scripts', 'bundle.mjs')],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    )
    t.equal(bundle.status, 0, `esbuild bundles the gateway ${bundle.stdout}${bundle.stderr}`)
    t.ok(
      readFileSync(GATEWAY_BUNDLE_ENTRY).every((byte) => byte < 0x80),
      'the bundle is all ASCII (Node decodes it in the fast path)',
    )

    const fleet = await startFleet({ pdsCount: 2, gateway: false, mail: false })
    t.teardown(() => fleet.stop())
    const gw = await startGateway({
      env: { ...fleet.gatewayEnv, ENTRYWAY_INCLUDE_DID_DOC: 'false' },
      port: fleet.entryway.port,
      built: 'bundle',
    })
    t.teardown(() => gw.stop())
    t.notOk(
      /tsx/.test(readFileSync(`/proc/${gw.pid}/cmdline`, 'utf8')),
      'no tsx in the gateway process',
    )
    t.match(
      readFileSync(`/proc/${gw.pid}/cmdline`, 'utf8'),
      /dist\/bundle\/gateway\.mjs/,
      'the bundle is what runs',
    )

    const agent = new AtpAgent({ service: fleet.entryway.url })
    const handle = `built${Date.now().toString(36)}${fleet.handleDomains[0]}`
    const password = `pw-${handle}`
    await agent.createAccount({
      handle,
      email: `${handle.replace(/\./g, '-')}@mail.test`,
      password,
    })
    const did = agent.session!.did
    t.match(did, /^did:plc:/, 'signed up through the built gateway')

    const again = new AtpAgent({ service: fleet.entryway.url })
    await again.login({ identifier: handle, password })
    t.equal(again.session?.did, did, 'logged in')

    const created = await again.com.atproto.repo.createRecord({
      repo: did,
      collection: 'app.bsky.feed.post',
      record: {
        $type: 'app.bsky.feed.post',
        text: 'from the built gateway',
        createdAt: new Date().toISOString(),
      },
    })
    const rkey = created.data.uri.split('/').pop()!
    const read = await again.com.atproto.repo.getRecord({
      repo: did,
      collection: 'app.bsky.feed.post',
      rkey,
    })
    t.match(
      read.data.value,
      { text: 'from the built gateway' },
      'a proxied write, read back through the proxy',
    )
  },
)
