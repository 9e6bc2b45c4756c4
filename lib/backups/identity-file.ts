import { generateX25519Identity, identityToRecipient } from 'age-encryption';

// Identity files in age-keygen's format: comment lines (# created: …, # public key: age1…) and one
// AGE-SECRET-KEY-1… line per identity. What the console hands out is what `age -d -i` reads back.

export type BackupKey = { identity: string; recipient: string };

export async function generateBackupKey(): Promise<BackupKey> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

export function formatIdentityFile(key: BackupKey, createdAt: Date): string {
  return `# created: ${createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}\n# public key: ${key.recipient}\n${key.identity}\n`;
}

export type IdentityFileParse = { ok: true; keys: BackupKey[] } | { ok: false; message: string };

// `source` names the file in messages (the path the operator typed, or "standard input").
export async function parseIdentityFile(text: string, source: string): Promise<IdentityFileParse> {
  const keys: BackupKey[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${source}, line ${index + 1}`;
    if (/^age1/.test(line))
      return {
        ok: false,
        message: `${where} is a recipient (a public key), not an identity. Give the identity file saved when the key was created (its key line starts with AGE-SECRET-KEY-1).`,
      };
    if (!line.startsWith('AGE-SECRET-KEY-1'))
      return { ok: false, message: `${where} is not an age identity: identity lines start with AGE-SECRET-KEY-1.` };
    try {
      keys.push({ identity: line, recipient: await identityToRecipient(line) });
    } catch {
      return { ok: false, message: `${where} is not a valid age identity (damaged or mistyped): its checksum does not match.` };
    }
  }
  if (keys.length === 0) return { ok: false, message: `${source} holds no age identity (a line starting with AGE-SECRET-KEY-1).` };
  return { ok: true, keys };
}
