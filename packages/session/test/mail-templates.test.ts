import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import {
  EMAIL_KINDS,
  MailTemplates,
  readMailTemplateDir,
  renderTokenEmail,
  type MailVars,
} from '../src/index.js'

const vars = (o: Partial<MailVars> = {}): MailVars => ({
  email: 'alice@mail.test',
  handle: 'alice.test',
  code: 'ABCDE-FGHIJ',
  serviceName: 'Example Social',
  link: 'https://example.social',
  ttlMinutes: '15',
  ...o,
})

function tempDir(t: { teardown(fn: () => void): void }, files: Record<string, string | null>) {
  const dir = mkdtempSync(join(tmpdir(), 'entryway-mail-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // null: a directory under a template's name, which cannot be read as a file
  for (const [name, body] of Object.entries(files))
    if (body === null) mkdirSync(join(dir, name))
    else writeFileSync(join(dir, name), body)
  return dir
}

t.test('built-in copy: every kind renders with its values, no placeholder left', async (t) => {
  const tpl = new MailTemplates()
  for (const kind of EMAIL_KINDS) {
    const m = tpl.render(kind, vars())
    t.equal(m.to, 'alice@mail.test', `${kind}: to`)
    t.match(m.subject, /Example Social/, `${kind}: subject names the service`)
    for (const part of [m.subject, m.text, m.html])
      t.notMatch(part, /\{\{|\}\}/, `${kind}: no placeholder left`)
    t.match(m.text, /@alice\.test/, `${kind}: handle`)
  }
  t.match(tpl.render('signInCode', vars()).text, /ABCDE-FGHIJ/, 'the code')
  t.match(tpl.render('signupQueue', vars()).html, /href="https:\/\/example\.social"/, 'the link')
  // the compatibility wrapper is the built-in copy
  t.same(
    renderTokenEmail('confirmEmail', {
      to: 'alice@mail.test',
      serviceName: 'Example Social',
      handle: 'alice.test',
      token: 'ABCDE-FGHIJ',
      ttlMinutes: 15,
    }),
    tpl.render('confirmEmail', vars({ link: '' })),
  )
})

t.test('values are HTML-escaped in the HTML part only, and a subject stays one line', async (t) => {
  const tpl = new MailTemplates({
    signInCode: {
      subject: '{{serviceName}} code',
      html: '<p>{{ serviceName }} {{code}}</p>',
    },
  })
  const m = tpl.render('signInCode', vars({ serviceName: 'A<b>&"Co"\r\nBcc: x@y' }))
  t.equal(m.html, '<p>A&#60;b&#62;&#38;&#34;Co&#34;\r\nBcc: x@y ABCDE-FGHIJ</p>', 'escaped')
  t.equal(m.subject, 'A<b>&"Co" Bcc: x@y code', 'one header line')
  t.match(m.text, /A<b>&"Co"/, 'the text part as written')
  t.match(m.text, /expires in 15 minutes/, 'an override of some parts keeps the others built in')
})

t.test('an unknown placeholder is refused when the templates are made', async (t) => {
  t.throws(
    () => new MailTemplates({ resetPassword: { text: 'Code: {{token}}' } }),
    /@entryway\/session: mail templates: resetPassword\.text: unknown placeholder \{\{token\}\}/,
  )
  t.throws(() => new MailTemplates({ nope: { text: 'x' } } as never), /unknown mail kind "nope"/)
})

t.test('a template folder: any subset of parts per kind; other files ignored', async (t) => {
  const dir = tempDir(t, {
    'signInCode.subject.txt': '{{serviceName}}: your code\n',
    'signInCode.html': '<h1>{{code}}</h1>',
    'confirmEmail.txt': 'Confirm with {{code}} at {{link}}',
    'README.md': 'notes for the team',
    '.signInCode.txt.swp': 'editor junk',
  })
  const { overrides, problems } = readMailTemplateDir(dir)
  t.same(problems, [])
  t.same(overrides, {
    signInCode: { subject: '{{serviceName}}: your code', html: '<h1>{{code}}</h1>' },
    confirmEmail: { text: 'Confirm with {{code}} at {{link}}' },
  })
  const m = new MailTemplates(overrides).render('signInCode', vars())
  t.equal(m.subject, 'Example Social: your code')
  t.equal(m.html, '<h1>ABCDE-FGHIJ</h1>')
  t.match(m.text, /Enter this code to finish signing in/, 'the text part stays built in')
})

t.test('a bad template folder: every problem, each naming its file', async (t) => {
  const dir = tempDir(t, {
    'signInCode.txt': 'Your code: {{cod}}',
    'twoFactor.txt': 'typo in the kind',
    'resetPassword.html': null,
    'confirmEmail.subject.txt': 'two\nlines',
    'deleteAccount.txt': '  \n',
  })
  const { problems } = readMailTemplateDir(dir)
  t.equal(problems.length, 5, problems.join('\n'))
  t.match(problems.join('\n'), /confirmEmail\.subject\.txt: a subject is one line/)
  t.match(problems.join('\n'), /deleteAccount\.txt: is empty/)
  t.match(problems.join('\n'), /resetPassword\.html: cannot be read: EISDIR/)
  t.match(problems.join('\n'), /signInCode\.txt: unknown placeholder \{\{cod\}\}/)
  t.match(problems.join('\n'), /twoFactor\.txt: not a template name/)
  t.match(readMailTemplateDir(join(dir, 'missing')).problems, [
    /cannot read the directory .*ENOENT/,
  ])
  t.match(readMailTemplateDir(tempDir(t, { 'notes.md': 'x' })).problems, [/holds no template/])
})
