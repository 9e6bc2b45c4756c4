import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { getApplianceOrThrow } from '../appliance/data.ts';
import { appliancePaths } from '../appliance/paths.ts';
import { generatePassword } from '../auth/password-policy.ts';
import type { Actor } from '../audit/actor.ts';
import type { LogCategory } from '../logs/categories.ts';
import { getLogger } from '../logs/logger.ts';
import { findLogFiles, writeLogArchive } from './archive.ts';
import { listExportFileNames } from './data.ts';
import { createLogExport, finishLogExport, updateLogExportProgress } from './mutations.ts';
import { liveExports } from './registry.ts';
import { EXPORT_PASSWORD_LENGTH, type StartExportResult } from './schema.ts';

// How often the running percentage is written to the database for the page to poll.
const PROGRESS_INTERVAL_MS = 400;
const ARCHIVE_NAME = /^[0-9a-f-]{36}\.zip$/;

// Starts an export: records it (row + journal + audit, one transaction), then writes the archive in the
// background and returns at once with the one-time password. The password lives only in this call and
// the background job; it is returned to the caller once and never stored or logged.
// One export at a time: each reads every selected log in full, and the appliance has few cores.
export async function startLogExport(categories: readonly LogCategory[], actor: Actor): Promise<StartExportResult> {
  const live = liveExports();
  if (live.size > 0)
    return { ok: false, code: 'EXPORT_RUNNING', message: 'An export is already being written. Wait until it is ready, then export again.' };
  // Claimed synchronously, before the first await, so that two simultaneous requests cannot both pass.
  const claim = `claim:${Date.now()}`;
  live.set(claim, Promise.resolve());
  let id: string;
  try {
    id = await createLogExport(categories, actor, (candidate) => live.has(candidate));
  } finally {
    live.delete(claim);
  }
  const password = generatePassword(EXPORT_PASSWORD_LENGTH);
  live.set(
    id,
    runExport(id, categories, password).finally(() => live.delete(id)),
  );
  return { ok: true, data: { id, password } };
}

// Never rejects: every failure ends as a failed row with a message for the operator, and in the log.
async function runExport(id: string, categories: readonly LogCategory[], password: string): Promise<void> {
  const log = getLogger('core');
  let percent = 0;
  let written = 0;
  let saving: Promise<void> = Promise.resolve();
  // Sequential writes, so a slow update can never land after a newer one.
  const timer = setInterval(() => {
    if (percent === written) return;
    const value = percent;
    saving = saving
      .then(() => updateLogExportProgress(id, value))
      .then(
        () => void (written = value),
        () => {},
      );
  }, PROGRESS_INTERVAL_MS);
  timer.unref();

  let outcome: Parameters<typeof finishLogExport>[1];
  let exportsDir: string | undefined;
  try {
    const paths = appliancePaths();
    exportsDir = paths.exports;
    const target = path.join(paths.exports, `${id}.zip`);
    // Private to the service account: the archives hold the appliance's logs.
    await mkdir(paths.exports, { recursive: true, mode: 0o700 });
    const appliance = await getApplianceOrThrow();
    const files = await findLogFiles(paths.logs, categories);
    const info = {
      consoleDomain: appliance.domain,
      softwareVersion: appliance.softwareVersion,
      createdAt: new Date(),
      categories,
      standalone: appliance.configuredRole === 'STANDALONE',
    };
    const result = await writeLogArchive(target, paths.logs, files, password, info, (done, total) => {
      // Held below 100 until the row says ready, so the page never shows 100% with no Download link.
      percent = total === 0 ? 0 : Math.min(99, Math.floor((done / total) * 100));
    });
    outcome = { status: 'ready', sizeBytes: result.sizeBytes };
    log.info({ exportId: id, categories, files: result.files.length, sizeBytes: result.sizeBytes }, 'log export ready');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    outcome = {
      status: 'failed',
      error: `Writing the archive failed (${reason}). Check the free space in the data directory, then export again.`,
    };
    log.error({ exportId: id, err: reason }, 'log export failed');
  } finally {
    clearInterval(timer);
    await saving;
  }

  try {
    const removed = await finishLogExport(id, outcome);
    if (exportsDir) await removeArchives(exportsDir, removed);
  } catch (error) {
    log.error({ exportId: id, err: error instanceof Error ? error.message : String(error) }, 'log export could not be closed');
  }
}

// Deletes the archives of removed rows, and any archive no row refers to (left by a crash between the
// retention commit and the file deletion).
async function removeArchives(dir: string, removed: string[]): Promise<void> {
  for (const name of removed) await rm(path.join(dir, name), { force: true });
  const known = await listExportFileNames();
  const live = liveExports();
  for (const name of await readdir(dir)) {
    if (ARCHIVE_NAME.test(name) && !known.has(name) && !live.has(name.slice(0, -'.zip'.length)))
      await rm(path.join(dir, name), { force: true });
  }
}
