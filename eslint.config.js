// typescript-eslint, type-aware (recommendedTypeChecked), over every TypeScript file of the
// workspace. `./dev lint` runs it with `prettier --check`; .ci/run calls `./dev lint`.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.cache/**',
      '.tap/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      'packages/testkit/pds-runtime/**',
      // type tests hold code written not to compile (tstyche checks them: ./dev typetest)
      '**/typetests/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `import type` everywhere (STYLE_GUIDE), enforced by the compiler's verbatimModuleSyntax already
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // stores and XRPC bodies are `unknown` parsed by hand; these flag every narrowing step of that
      // style and would need a rewrite of each parser, not a fix
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Fastify hooks and route handlers are async by contract even when they await nothing
      '@typescript-eslint/require-await': 'off',
      // `void promise` and handlers passed where Fastify accepts a promise are the intended style
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // template literals with numbers and DIDs in log and error messages are deliberate
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  {
    // tap's `t.test(...)` returns a promise that tap awaits itself
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      // tests read response bodies as `any` on purpose: a body of the wrong shape fails the assertion
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
)
