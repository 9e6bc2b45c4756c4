// The appliance configuration file: KEY=VALUE lines with the same names as the environment variables,
// so that the console and every cyberx-management-* command (run by root from any directory, with sudo's
// clean environment) agree on the data directory and database without flags.

export const DEFAULT_CONFIG_FILE = '/etc/otc-console/console.env';

export type ConfigFileEntry = { value: string; line: number };

export type ConfigFileParse = { ok: true; entries: Map<string, ConfigFileEntry> } | { ok: false; message: string };

const KEY = /^[A-Z][A-Z0-9_]*$/;

// Accepts what a systemd EnvironmentFile or a shell would: blank lines, # comments, an optional
// `export `, and values optionally wrapped in one pair of single or double quotes. Values are never
// echoed in errors: DATABASE_URL carries a password.
export function parseConfigFile(text: string, file: string, knownKeys: ReadonlySet<string>): ConfigFileParse {
  const entries = new Map<string, ConfigFileEntry>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const body = raw.startsWith('export ') ? raw.slice('export '.length).trimStart() : raw;
    const eq = body.indexOf('=');
    const key = eq > 0 ? body.slice(0, eq).trim() : '';
    if (!KEY.test(key))
      return { ok: false, message: `${file} line ${line}: expected KEY=VALUE (for example OTC_DATA_DIR=/var/lib/otc-console).` };
    if (!knownKeys.has(key))
      return { ok: false, message: `${file} line ${line}: unknown setting ${key}; the settings are ${[...knownKeys].join(', ')}.` };
    if (entries.has(key)) return { ok: false, message: `${file} line ${line}: ${key} is already set on line ${entries.get(key)!.line}.` };
    let value = body.slice(eq + 1).trim();
    const quote = value[0];
    if (quote === '"' || quote === "'") {
      if (value.length < 2 || value[value.length - 1] !== quote)
        return {
          ok: false,
          message: `${file} line ${line}: the value of ${key} opens a ${quote} quote that is not closed at the end of the line.`,
        };
      value = value.slice(1, -1);
    }
    entries.set(key, { value, line });
  }
  return { ok: true, entries };
}
