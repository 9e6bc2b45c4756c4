// `sudo npm run install-commands [-- --prefix <dir>] [-- --remove]`: puts every cyberx-management-*
// command on root's PATH (sudo's secure_path includes /usr/local/sbin) as a small wrapper that runs this
// install of the console, whatever the current directory.
import path from 'node:path';
import { APPLIANCE_COMMANDS } from '../lib/cli/commands.ts';
import { DEFAULT_PREFIX, installCommands, removeCommands } from '../lib/cli/install.ts';
import { parseOptions, runOfflineCommand } from '../lib/cli/run.ts';
import { installRoot } from '../lib/config/env.ts';

await runOfflineCommand({
  name: 'install-commands',
  usage: '[--prefix <dir>] [--remove]',
  summary: `Writes one executable wrapper per appliance command (${APPLIANCE_COMMANDS.join(', ')})\ninto a directory on root's PATH, each running this install of the console (${installRoot()}) with\nthis Node (${process.execPath}). Safe to run again (after moving the console or changing Node, run it again).`,
  options: [
    ['--prefix <dir>', `where to write them (default: ${DEFAULT_PREFIX})`],
    ['--remove', 'remove the wrappers written here before'],
  ],
  parse: (args) => {
    const { values } = parseOptions(args, { prefix: { type: 'string' }, remove: { type: 'boolean' } });
    return { prefix: path.resolve(values.prefix ?? DEFAULT_PREFIX), remove: values.remove === true };
  },
  async run({ prefix, remove }) {
    const results = remove
      ? await removeCommands(prefix)
      : await installCommands(prefix, { installRoot: installRoot(), node: process.execPath, tsxLoader: import.meta.resolve('tsx') });
    for (const { file, state } of results) process.stdout.write(`${state.padEnd(9)} ${file}\n`);
    if (!remove && !(process.env.PATH ?? '').split(':').includes(prefix))
      process.stdout.write(`${prefix} is not on this shell's PATH: call the commands by their full path or add it.\n`);
  },
});
