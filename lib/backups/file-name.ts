import type { BackupKind } from './schema.ts';

// <UTC timestamp>-<kind>.tar.gz.age, e.g. 2026-11-25T02-00-00.123Z-scheduled.tar.gz.age: sorts by time, and has
// no characters that need quoting in a shell or on a USB stick's file system.
export function backupFileName(createdAt: Date, kind: BackupKind): string {
  return `${createdAt.toISOString().replaceAll(':', '-')}-${kind}.tar.gz.age`;
}

export const BACKUP_FILE_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-(manual|scheduled)\.tar\.gz\.age$/;
