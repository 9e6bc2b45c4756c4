import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findLibCycles, formatCycles } from '../../scripts/check-lib-cycles.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

// A tiny repository: lib/<folder>/<file> → source.
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'otc-cycles-'));
  roots.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

function runScript(root: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-lib-cycles.ts', root], { encoding: 'utf8' });
}

describe('check-lib-cycles', () => {
  it('passes a tree whose folders depend one way', () => {
    const root = tree({
      'lib/db/client.ts': 'export const db = 1;',
      'lib/users/data.ts': "import { db } from '../db/client.ts';\nexport const u = db;",
      'lib/auth/guard.ts': "import { u } from '#lib/users/data.ts';\nimport type { X } from '@/lib/db/client';\nexport const g = u;",
      // A test may reach anywhere; it is not part of the graph.
      'lib/db/client.test.ts': "import { g } from '../auth/guard.ts';",
    });
    expect(findLibCycles(root)).toEqual([]);
    const run = runScript(root);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('no import cycles');
  });

  it('fails on a cycle, type-only imports and subfolders included, and prints the path with the imports', () => {
    const root = tree({
      'lib/users/mutations.ts': "export type Actor = { username: string };\nimport { guard } from '../auth/guard.ts';",
      'lib/auth/guard.ts': "import { settings } from '@/lib/settings/data';\nexport const guard = settings;",
      'lib/settings/export/mutations.ts': "import type { Actor } from '../../users/mutations.ts';\nexport const settings = 1;",
      'lib/settings/data.ts': "export { settings } from './export/mutations.ts';",
    });
    const cycles = findLibCycles(root);
    expect(cycles.map((c) => c.folders)).toContainEqual(['auth', 'settings', 'users', 'auth']);
    const text = formatCycles(cycles);
    expect(text).toContain('lib/auth → lib/settings → lib/users → lib/auth');
    expect(text).toContain("lib/settings/export/mutations.ts imports '../../users/mutations.ts'");
    const run = runScript(root);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('lib/auth → lib/settings → lib/users → lib/auth');
  });

  it('finds a direct two-folder cycle through a dynamic import', () => {
    const root = tree({
      'lib/a/x.ts': "export const x = () => import('../b/y.ts');",
      'lib/b/y.ts': "import { x } from '../a/x.ts';\nexport const y = x;",
    });
    expect(findLibCycles(root).map((c) => c.folders)).toEqual([['a', 'b', 'a']]);
  });
});
