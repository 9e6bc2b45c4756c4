import { readFile, writeFile } from 'node:fs/promises';
import { sensorProtocolOpenApiText } from '../lib/sensors/openapi.ts';

// Writes docs/sensor-protocol.openapi.json from the zod schemas of sensor protocol v1.
//   node --import tsx scripts/openapi.ts           write it
//   node --import tsx scripts/openapi.ts --check   exit 1 when the file is stale
const FILE = 'docs/sensor-protocol.openapi.json';
const text = sensorProtocolOpenApiText();
if (process.argv.includes('--check')) {
  const current = await readFile(FILE, 'utf8').catch(() => '');
  if (current !== text) {
    process.stderr.write(`${FILE} is stale: run node --import tsx scripts/openapi.ts\n`);
    process.exit(1);
  }
  process.stdout.write(`${FILE} is up to date\n`);
} else {
  await writeFile(FILE, text);
  process.stdout.write(`wrote ${FILE}\n`);
}
