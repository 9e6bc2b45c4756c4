import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/env.ts';
import { resetPasswordHint } from './hints.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'otc-hints-test-'));
const bin = path.join(dir, 'bin');
writeFileSync(path.join(dir, 'empty.env'), '');
writeFileSync(path.join(dir, 'elsewhere.env'), 'OTC_DATA_DIR=/srv/otc\n');
const installed = { PATH: bin };
mkdirSync(bin);
writeFileSync(path.join(bin, 'cyberx-management-user-reset-password'), '');

describe('the reset-password hint the console prints', () => {
  it('is the bare command when sudo’s clean environment finds the same console', () => {
    const config = loadConfig({ OTC_CONFIG_FILE: path.join(dir, 'empty.env') });
    expect(resetPasswordHint(config, installed, [])).toBe('sudo cyberx-management-user-reset-password -u admin');
  });

  it('names the data directory when only the environment chose it', () => {
    const env = { OTC_DATA_DIR: '/srv/my console', OTC_CONFIG_FILE: path.join(dir, 'empty.env') };
    expect(resetPasswordHint(loadConfig(env), { ...env, ...installed }, [])).toBe(
      "sudo OTC_DATA_DIR='/srv/my console' cyberx-management-user-reset-password -u admin",
    );
    const external = { ...env, DATABASE_URL: 'postgresql://u:secret@db/console' };
    const hint = resetPasswordHint(loadConfig(external), { ...external, ...installed }, []);
    expect(hint).toBe(
      "sudo OTC_DATA_DIR='/srv/my console' DATABASE_URL='<the console's DATABASE_URL>' cyberx-management-user-reset-password -u admin",
    );
    expect(hint).not.toContain('secret');
  });

  it('names a configuration file other than the default one', () => {
    const env = { OTC_CONFIG_FILE: path.join(dir, 'elsewhere.env') };
    expect(resetPasswordHint(loadConfig(env), { ...env, ...installed }, [])).toBe(
      `sudo OTC_CONFIG_FILE=${path.join(dir, 'elsewhere.env')} cyberx-management-user-reset-password -u admin`,
    );
  });

  it('says how to install the commands when they are not installed', () => {
    const config = loadConfig({ OTC_CONFIG_FILE: path.join(dir, 'empty.env') });
    expect(resetPasswordHint(config, { PATH: path.join(dir, 'nowhere') }, [])).toBe(
      'sudo cyberx-management-user-reset-password -u admin   (once installed: sudo npm run install-commands)',
    );
  });
});
