// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The rules of the house (docs/architecture.md, "Rules of the house") as import bans. Syntax-only linting: no type information, so a
// full `eslint .` stays a few seconds on a two-core appliance build machine; `tsc --noEmit` does the types.
//
// Flat config replaces (does not merge) a rule's options when two blocks match the same file, so each
// file belongs to exactly one of the import-ban blocks below and gets its complete list of patterns.

// Regexes rather than gitignore globs: globs cannot tell `../../app/x` from `./app-name` reliably, and
// the same module is reachable as `@/lib/...`, `#lib/...` (package.json "imports") or a relative path.
const fromAppOrComponents = {
  regex: String.raw`^(@/|#|/|(\.\./)+)?(app|components)(/|$)`,
  message: 'lib/ is the domain: it never imports from app/ or components/ (imports flow app → components → lib).',
};
const fromApp = {
  regex: String.raw`^(@/|/|(\.\./)+)?app(/|$)`,
  message: 'components/ never import from app/ (imports flow app → components → lib).',
};
const fromLibDb = {
  regex: String.raw`(^|[/#])lib/db(/|$)`,
  message: 'Pages and components never reach the database: call a load*/list*/get* in lib/<domain>/data.ts or a server action instead.',
};
const prismaMessage = 'Only lib/db, lib/*/data.ts and lib/*/mutations.ts touch Prisma; move the query there (`import type` is fine).';
// `**/db/client*`, `**/db/generated/**`, `@prisma/client`, `@prisma/adapter-pg`.
const prismaClientFiles = String.raw`(^|/)db/(client([./]|$)|generated(/|$))`;
const prismaPackages = String.raw`^@prisma/(client|adapter-pg)(/|$)`;
const prismaAnywhere = { regex: `${prismaClientFiles}|${prismaPackages}`, message: prismaMessage, allowTypeImports: true };

// Where Prisma is allowed (besides the tooling folders, which get no import bans at all).
const prismaHomes = ['lib/db/**', 'lib/**/data.ts', 'lib/**/mutations.ts'];
const tooling = ['tests/**', 'scripts/**', 'bench/**', 'e2e/**'];

/** @param {object[]} patterns */
const bans = (patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });

export default defineConfig(
  {
    ignores: [
      '.next/',
      'node_modules/',
      'lib/db/generated/',
      'tmp/',
      'data/',
      'test-results/',
      'playwright-report/',
      // Written by `next build`; its triple-slash references are Next's convention, not ours to lint.
      'next-env.d.ts',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      // The few plain JS files are Node config and tooling scripts; `globals` is not a direct dependency.
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
  },
  {
    rules: {
      // The base rule cannot tell `import type` apart; the typescript-eslint one can (allowTypeImports).
      'no-restricted-imports': 'off',
      // `_`-prefixed names mark deliberately unused parameters and destructured leftovers.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },

  // Import bans: one block per kind of file, mutually exclusive via `ignores`.
  {
    files: prismaHomes,
    rules: bans([fromAppOrComponents]),
  },
  {
    files: ['lib/**'],
    ignores: prismaHomes,
    rules: bans([fromAppOrComponents, prismaAnywhere]),
  },
  {
    // Separate objects on purpose: a type import passes if ANY matching pattern allows it, so the
    // lib/db ban must not share a pattern with the type-tolerant Prisma one.
    files: ['components/**'],
    rules: bans([
      fromApp,
      fromLibDb,
      { regex: prismaClientFiles, message: prismaMessage },
      { regex: prismaPackages, message: prismaMessage, allowTypeImports: true },
    ]),
  },
  {
    files: ['app/**'],
    rules: bans([
      fromLibDb,
      { regex: prismaClientFiles, message: prismaMessage },
      { regex: prismaPackages, message: prismaMessage, allowTypeImports: true },
    ]),
  },
  {
    // Everything else (server.ts, cli/, sensor/, root config files).
    files: ['**/*.{js,mjs,cjs,ts,mts,tsx}'],
    ignores: ['lib/**', 'components/**', 'app/**', ...tooling],
    rules: bans([prismaAnywhere]),
  },

  {
    // The console logs through lib/logs (pino, with redaction); stray console.log output bypasses it.
    // CLI, scripts, benchmarks and tests print to the terminal on purpose.
    files: ['lib/**', 'app/**', 'components/**'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-console': ['error', { allow: ['warn', 'error'] }] },
  },
);
