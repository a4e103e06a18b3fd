import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { isPortFree } from '@entryway/testkit'
import { alive, runLab } from './run-lab.js'

t.test(
  './dev lab: healthy, banner, lab.json; SIGTERM stops everything and frees every port',
  async (t) => {
    const lab = await runLab(t, ['--reset', '--pds', '2'])
    const { info } = lab
    t.equal(info.pds.length, 2)
    t.match(info, {
      entryway: { url: /^http:\/\/localhost:\d+$/, did: /^did:web:localhost%3A\d+$/ },
      plc: { url: /^http:\/\/localhost:\d+$/, storage: 'memory' },
      mail: { url: /^http:\/\/127\.0\.0\.1:\d+$/ },
      handleDomain: '.test',
      adminPassword: /^[0-9a-f]{24}$/,
    })
    for (const url of [
      `${info.entryway.url}/xrpc/_health`,
      `${info.plc.url}/_health`,
      `${info.mail.url}/_health`,
      ...info.pds.map((p) => `${p.url}/xrpc/_health`),
    ]) {
      t.equal((await fetch(url)).status, 200, url)
    }
    // the gateway registered the fleet and describes itself as the service
    const desc = (await (
      await fetch(`${info.entryway.url}/xrpc/com.atproto.server.describeServer`)
    ).json()) as { did: string }
    t.equal(desc.did, info.entryway.did)
    // keys and secrets are kept in the lab folder
    t.ok(existsSync(join(info.dir, 'secrets.json')))
    await new Promise((r) => setTimeout(r, 100))
    t.match(lab.output(), /The Entryway lab is up/)
    t.match(lab.output(), /createAccount/)

    // the admin portal is on, with an operator account the RBAC file makes pds-admin
    t.match(info.admin, {
      url: `${info.entryway.url}/admin`,
      operator: { handle: 'operator.test', password: /^operator-/, did: /^did:plc:/ },
    })
    t.match(
      readFileSync(info.admin.rbacFile, 'utf8'),
      new RegExp(`\\n  ${info.admin.operator.did}: \\[pds-admin\\]`),
      'the operator is pds-admin',
    )
    t.equal(
      (await fetch(`${info.admin.url}/login`)).status,
      200,
      'the portal sign-in page is served',
    )
    const login = await fetch(`${info.entryway.url}/xrpc/com.atproto.server.createSession`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        identifier: info.admin.operator.handle,
        password: info.admin.operator.password,
      }),
    })
    t.equal(login.status, 200, "the operator's login from lab.json works")
    t.match(
      lab.output(),
      new RegExp(
        `Admin portal\\s+${info.admin.url}\\s+sign in as operator\\.test / ${info.admin.operator.password}`,
      ),
      'the banner shows the portal and the login',
    )

    lab.child.kill('SIGTERM')
    t.equal(await lab.exit, 0, 'exits 0 on SIGTERM')
    for (const p of info.processes) {
      t.notOk(alive(p.pid), `${p.name} (pid ${p.pid}) is gone`)
      for (const port of p.ports) t.ok(await isPortFree(port), `${p.name} port ${port} is free`)
    }
    t.notOk(existsSync(join(info.dir, 'lab.json')), 'lab.json is removed once stopped')
  },
)

t.test(
  'a child that dies is reported and the lab exits non-zero, stopping the others',
  async (t) => {
    const lab = await runLab(t, ['--reset', '--pds', '1'])
    const pds = lab.info.processes.find((p) => p.name === 'pds 1')!
    process.kill(pds.pid, 'SIGKILL')
    t.equal(await lab.exit, 1)
    t.match(lab.output(), /pds 1 exited on its own \(code null, signal SIGKILL\)/)
    for (const p of lab.info.processes) {
      t.notOk(alive(p.pid), `${p.name} is gone`)
      for (const port of p.ports) t.ok(await isPortFree(port), `${p.name} port ${port} is free`)
    }
  },
)
