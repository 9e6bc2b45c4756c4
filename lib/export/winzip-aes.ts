import { createCipheriv, createHmac, pbkdf2Sync, randomBytes, type Cipher, type Hmac } from 'node:crypto';

// WinZip AES encryption of one ZIP entry, AES-256 flavour ("AE-x", https://www.winzip.com/en/support/aes-encryption/).
// The format is what 7-Zip, WinZip and most support engineers' tools open; the ZIP container around it
// is in zip-writer.ts. Per entry the stored data is:
//   salt (16 bytes) · password verifier (2) · AES-256-CTR ciphertext · HMAC-SHA1 code (10)

export const SALT_LENGTH = 16; // AES-256 uses a 16-byte salt (the spec's "strength 3")
export const VERIFIER_LENGTH = 2;
export const AUTH_CODE_LENGTH = 10;
const KEY_LENGTH = 32;
// Fixed by the spec: readers derive keys with exactly this count.
const PBKDF2_ITERATIONS = 1000;
const BLOCK = 16;

export type EntryKeys = { encryptionKey: Buffer; authenticationKey: Buffer; verifier: Buffer };

// PBKDF2-HMAC-SHA1 yields 2 × key length + 2 bytes: the AES key, the HMAC key, then the 2-byte value a
// reader compares first to reject a wrong password without decrypting anything.
export function deriveEntryKeys(password: string, salt: Buffer): EntryKeys {
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, PBKDF2_ITERATIONS, 2 * KEY_LENGTH + VERIFIER_LENGTH, 'sha1');
  return {
    encryptionKey: derived.subarray(0, KEY_LENGTH),
    authenticationKey: derived.subarray(KEY_LENGTH, 2 * KEY_LENGTH),
    verifier: derived.subarray(2 * KEY_LENGTH),
  };
}

// AES-CTR as Brian Gladman's implementation (which WinZip uses) does it: the counter block starts at 1
// and is incremented as a LITTLE-endian integer (byte 0 first). OpenSSL's aes-256-ctr increments
// big-endian (byte 15 first), so the two part after the first block; hence the keystream is built here
// from AES-ECB over counter blocks.
// The same transform encrypts and decrypts.
export class WinZipCtr {
  readonly #ecb: Cipher;
  // Counter as two 32-bit halves of the low 64 bits; an entry would need 2^64 blocks to touch the rest.
  #low = 0;
  #high = 0;
  #spare: Buffer = Buffer.alloc(0); // keystream left over from the last block of the previous chunk

  constructor(key: Buffer) {
    this.#ecb = createCipheriv('aes-256-ecb', key, null);
    this.#ecb.setAutoPadding(false);
  }

  update(data: Buffer): Buffer {
    const needed = data.length - this.#spare.length;
    let keystream = this.#spare;
    if (needed > 0) {
      const blocks = Math.ceil(needed / BLOCK);
      const counters = Buffer.alloc(blocks * BLOCK);
      for (let i = 0; i < blocks; i++) {
        this.#low = (this.#low + 1) >>> 0;
        if (this.#low === 0) this.#high = (this.#high + 1) >>> 0;
        counters.writeUInt32LE(this.#low, i * BLOCK);
        counters.writeUInt32LE(this.#high, i * BLOCK + 4);
      }
      keystream = Buffer.concat([this.#spare, this.#ecb.update(counters)]);
    }
    const out = Buffer.allocUnsafe(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ keystream[i]!;
    this.#spare = keystream.subarray(data.length);
    return out;
  }
}

// The writer's side: a fresh random salt per entry (so equal files never encrypt alike), then
// encrypt-then-MAC over the ciphertext only (AE-2 stores no CRC, so the MAC is the integrity check).
export class WinZipAesEncryptor {
  readonly header: Buffer; // salt + verifier, written before the ciphertext
  readonly #ctr: WinZipCtr;
  readonly #hmac: Hmac;

  constructor(password: string, salt: Buffer = randomBytes(SALT_LENGTH)) {
    const keys = deriveEntryKeys(password, salt);
    this.header = Buffer.concat([salt, keys.verifier]);
    this.#ctr = new WinZipCtr(keys.encryptionKey);
    this.#hmac = createHmac('sha1', keys.authenticationKey);
  }

  update(plain: Buffer): Buffer {
    const encrypted = this.#ctr.update(plain);
    this.#hmac.update(encrypted);
    return encrypted;
  }

  // The authentication code written after the ciphertext: HMAC-SHA1 truncated to 10 bytes.
  final(): Buffer {
    return this.#hmac.digest().subarray(0, AUTH_CODE_LENGTH);
  }
}
