import { Readable } from 'node:stream';
import { Decrypter, Encrypter } from 'age-encryption';

// age (https://age-encryption.org/v1) over Node streams. age-encryption works on web streams, 64 KiB
// authenticated chunks at a time, so neither direction holds a whole archive in memory.

export function encryptStream(source: Readable, recipient: string): Promise<Readable> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  return encrypter
    .encrypt(Readable.toWeb(source) as ReadableStream<Uint8Array>)
    .then((encrypted) => Readable.fromWeb(encrypted as unknown as import('node:stream/web').ReadableStream<Uint8Array>));
}

export type DecryptProblem =
  | 'NOT_AGE' // no age header at all
  | 'NO_MATCHING_KEY' // none of the identities unwraps the file key (another key, or a damaged stanza)
  | 'HEADER_DAMAGED' // the header's MAC does not verify, or it is cut off
  | 'PAYLOAD_DAMAGED'; // a chunk fails authentication: modified, or cut off (the last chunk is marked)

export class DecryptError extends Error {
  constructor(
    readonly problem: DecryptProblem,
    readonly detail: string,
  ) {
    super(`${problem}: ${detail}`);
  }
}

// age-encryption reports every failure as a plain Error; its messages are the only way to tell them apart.
export function classifyDecryptError(error: unknown): DecryptError | null {
  if (error instanceof DecryptError) return error;
  if (!(error instanceof Error)) return null;
  const text = error.message;
  if (text.startsWith('invalid version')) return new DecryptError('NOT_AGE', text);
  if (text === "no identity matched any of the file's recipients") return new DecryptError('NO_MATCHING_KEY', text);
  if (text === 'invalid header HMAC' || text === 'invalid header' || /stanza|before reading/.test(text))
    return new DecryptError('HEADER_DAMAGED', text);
  if (text === 'invalid tag' || text === 'final chunk is empty') return new DecryptError('PAYLOAD_DAMAGED', text);
  return null;
}

// Resolves once the header has been read and a key unwrapped the file key (so a wrong key is known
// before any content is read); the returned stream then fails, with an error classifyDecryptError
// recognises, if any later chunk does not authenticate.
export async function decryptStream(source: Readable, identities: readonly string[]): Promise<Readable> {
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  let plain;
  try {
    plain = await decrypter.decrypt(Readable.toWeb(source) as ReadableStream<Uint8Array>);
  } catch (error) {
    throw classifyDecryptError(error) ?? error;
  }
  return Readable.fromWeb(plain as unknown as import('node:stream/web').ReadableStream<Uint8Array>);
}
