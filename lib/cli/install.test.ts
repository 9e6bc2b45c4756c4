import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { wrapperText } from './install.ts';

describe('the wrapper install-commands writes', () => {
  const plan = {
    installRoot: "/opt/it's here",
    node: '/usr/bin/node',
    tsxLoader: "file:///opt/it's%20here/node_modules/tsx/dist/loader.mjs",
  };
  const text = wrapperText('cyberx-management-backup', plan);

  it('runs the command by absolute paths only, passing its arguments through', () => {
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    expect(lines.at(-2)).toBe(
      `TSX_TSCONFIG_PATH='/opt/it'\\''s here/tsconfig.json' exec '/usr/bin/node' --import 'file:///opt/it'\\''s%20here/node_modules/tsx/dist/loader.mjs' '/opt/it'\\''s here/cli/cyberx-management-backup.ts' "$@"`,
    );
    expect(text).not.toMatch(/\bcd\b/);
  });

  it('is a valid shell script whatever the install path holds', () => {
    expect(spawnSync('sh', ['-n'], { input: text }).status).toBe(0);
  });
});
