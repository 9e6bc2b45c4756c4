import { describe, expect, it } from 'vitest';
import { formatIdentityFile, generateBackupKey, parseIdentityFile } from './identity-file.ts';
import { checkRecipient } from './recipient.ts';

describe('identity files', () => {
  it('round-trip in age-keygen’s format, comments and CRLF line ends ignored', async () => {
    const key = await generateBackupKey();
    const text = formatIdentityFile(key, new Date('2026-12-01T10:20:30.456Z'));
    expect(text).toBe(`# created: 2026-12-01T10:20:30Z\n# public key: ${key.recipient}\n${key.identity}\n`);
    expect(await parseIdentityFile(text, 'key.txt')).toEqual({ ok: true, keys: [key] });
    expect(await parseIdentityFile(text.replaceAll('\n', '\r\n'), 'key.txt')).toEqual({ ok: true, keys: [key] });
  });

  it('hold several identities, each tried', async () => {
    const [a, b] = [await generateBackupKey(), await generateBackupKey()];
    expect(await parseIdentityFile(`${a.identity}\n\n# old key\n${b.identity}\n`, 'keys.txt')).toEqual({ ok: true, keys: [a, b] });
  });

  it('refuse anything that is not an identity, saying which line', async () => {
    expect(await parseIdentityFile('# a\nhello\n', 'k.txt')).toEqual({
      ok: false,
      message: 'k.txt, line 2 is not an age identity: identity lines start with AGE-SECRET-KEY-1.',
    });
    expect(await parseIdentityFile('', 'k.txt')).toEqual({
      ok: false,
      message: 'k.txt holds no age identity (a line starting with AGE-SECRET-KEY-1).',
    });
  });

  it('have a recipient that checkRecipient accepts', async () => {
    const key = await generateBackupKey();
    expect(checkRecipient(` ${key.recipient} `)).toEqual({ ok: true, recipient: key.recipient });
  });
});
