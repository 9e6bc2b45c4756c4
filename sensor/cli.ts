#!/usr/bin/env -S node --import tsx
// ot-sensor: a simulated OT network sensor (or --count of them) for demos, tests and benchmarks.
// Registers with a console using its connection string, then heartbeats, produces simulated Modbus/S7/DNP3
// alerts and device reports into a durable outbox, and uploads them until the console acknowledges them.
// Exit codes: 0 stopped by a signal, 1 refused or failed, 2 usage. See docs/sensor-agent.md.
import { parseAgentArgs, USAGE } from './args.ts';
import { Fleet } from './fleet.ts';

// Outstanding events get this long to go up when the agent is asked to stop.
const FLUSH_ON_STOP_MS = 5000;

const parsed = parseAgentArgs(process.argv.slice(2));
if (!parsed.ok) {
  process.stderr.write(`ot-sensor: ${parsed.message}\n${USAGE}\n`);
  process.exit(2);
}
if ('help' in parsed) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const fleet = new Fleet(parsed.options, {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});

let stopping: Promise<void> | null = null;
function shutdown(code: number): void {
  if (stopping) {
    // A second signal: stop at once (the outbox is consistent at every moment).
    process.exit(code || 130);
  }
  stopping = fleet.stop(FLUSH_ON_STOP_MS).finally(() => process.exit(code));
}
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));

try {
  await fleet.start();
  if (parsed.options.registerOnly && !stopping) shutdown(0);
} catch (error) {
  process.stderr.write(`ot-sensor: ${error instanceof Error ? error.message : String(error)}\n`);
  if (!stopping) shutdown(1);
}
