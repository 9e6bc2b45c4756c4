import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The complete lines of every segment an agent's outbox holds: live ones and, with --keep-acked, the
// acknowledged ones under acked/. A torn last line (never newline-terminated) is not an event.
//
// A running agent moves a segment into acked/ (same name) once all of it is acknowledged, possibly while
// this reads: live segments are listed before acked/, so a segment moved in between is seen twice (its
// lines are the same) rather than not at all, and a listed live segment gone by the time it is read is
// read from acked/.
export function outboxLines(outbox: string, extraFiles: string[] = []): string[] {
  const ackedDir = path.join(outbox, 'acked');
  const live = readdirSync(outbox).filter((n) => n.startsWith('seg-'));
  const archived = existsSync(ackedDir) ? readdirSync(ackedDir) : [];
  const files = [...extraFiles, ...live.map((n) => path.join(outbox, n)), ...archived.map((n) => path.join(ackedDir, n))];
  const lines: string[] = [];
  for (const file of files) {
    const text = readMoved(file, ackedDir);
    if (text === undefined) continue;
    const fileLines = text.split('\n');
    fileLines.pop();
    lines.push(...fileLines);
  }
  return lines;
}

function readMoved(file: string, ackedDir: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(file) === ackedDir) throw error;
  }
  const moved = path.join(ackedDir, path.basename(file));
  // Without --keep-acked an acknowledged segment is deleted: nothing of it is left to read.
  return existsSync(moved) ? readFileSync(moved, 'utf8') : undefined;
}
