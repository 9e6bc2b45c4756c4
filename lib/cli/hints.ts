import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type ApplianceConfig } from '../config/env.ts';
import { DEFAULT_PREFIX } from './install.ts';

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

// What an admin types to reset a password on this console. sudo starts commands with a clean
// environment, so a console configured only through its environment needs the same variables on the
// command line; one that uses the configuration file or the defaults needs nothing.
export function resetPasswordHint(
  config: ApplianceConfig,
  env: Record<string, string | undefined> = process.env,
  installDirs: string[] = [DEFAULT_PREFIX],
): string {
  const command = 'cyberx-management-user-reset-password';
  let clean: ApplianceConfig | undefined;
  try {
    clean = loadConfig({});
  } catch {
    clean = undefined;
  }
  let variables = '';
  if (!clean || clean.dataDir !== config.dataDir || clean.databaseUrl !== config.databaseUrl) {
    if (env.OTC_CONFIG_FILE && config.configFile && !env.OTC_DATA_DIR && !env.DATABASE_URL)
      variables = `OTC_CONFIG_FILE=${quote(config.configFile)} `;
    else variables = `OTC_DATA_DIR=${quote(config.dataDir)} ${config.databaseUrl ? "DATABASE_URL='<the console's DATABASE_URL>' " : ''}`;
  }
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), ...installDirs];
  const installed = dirs.some((dir) => existsSync(path.join(dir, command)));
  return `sudo ${variables}${command} -u admin${installed ? '' : '   (once installed: sudo npm run install-commands)'}`;
}
