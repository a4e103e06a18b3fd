import t from 'tap'
import { generateEntrywayKeys, startPds, startPlc } from '../src/index.js'

t.test(
  'a PDS that cannot start rejects with the tail of its log (docker-style entryway URL)',
  async (t) => {
    const plc = await startPlc()
    t.teardown(() => plc.stop())
    const keys = await generateEntrywayKeys()
    // contract §1.3: PDS_ENTRYWAY_URL must be https or http on loopback, else the PDS crashes at start
    await t.rejects(
      startPds({
        plcUrl: plc.url,
        entryway: {
          url: 'http://entryway:3000',
          did: 'did:web:entryway.test',
          jwtPublicKeyHex: keys.jwt.publicKeyHex,
          plcRotationKeyDid: keys.plcRotation.did,
        },
        adminPassword: 'admin-pass',
        handleDomains: ['.test'],
      }),
      /exited before it was healthy[\s\S]*last lines of .*pds\.log/,
    )
  },
)
