import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatIdentityFile, generateBackupKey } from '../../lib/backups/identity-file.ts';
import { setSetting } from '../../lib/settings/mutations.ts';

// Backups are encrypted: what an Admin does under System Settings → Backups → Encryption key (the
// recipient stored through the same settings mutation, the identity file kept by the admin), for the
// database this test process is connected to (DATABASE_URL). Returns the identity file that opens them.
export async function setUpBackupKey(dir: string): Promise<string> {
  const key = await generateBackupKey();
  const saved = await setSetting('backup.recipient', key.recipient, { username: 'admin' });
  if (!saved.ok) throw new Error(saved.message);
  const identityFile = path.join(dir, 'backup-identity.txt');
  await writeFile(identityFile, formatIdentityFile(key, new Date()), { mode: 0o600 });
  return identityFile;
}
