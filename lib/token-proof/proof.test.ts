import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChallengeStore } from './challenges.ts';
import { checkConsoleProof, clientProof, newNonce, proofsEqual, serverProof, type Transcript } from './proof.ts';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345';
const CONSOLE_CERT = `${'AB:'.repeat(31)}AB`;
const RELAY_CERT = `${'CD:'.repeat(31)}CD`;

function exchange(overrides: Partial<Transcript> = {}): Transcript {
  return { purpose: 'sensor-registration', clientNonce: newNonce(), serverNonce: newNonce(), fingerprint: CONSOLE_CERT, ...overrides };
}

describe('token proofs', () => {
  it('are HMAC-SHA256 with the token over the labelled transcript, never the token itself', () => {
    const t = exchange();
    const expected = createHmac('sha256', TOKEN)
      .update(`otc-console-proof-v1|server|sensor-registration|${t.clientNonce}|${t.serverNonce}|${CONSOLE_CERT}`)
      .digest('base64url');
    expect(serverProof(TOKEN, t)).toBe(expected);
    expect(serverProof(TOKEN, t)).not.toContain(TOKEN);
    // Each role, purpose, nonce and certificate gives another proof.
    const proofs = new Set([
      serverProof(TOKEN, t),
      clientProof(TOKEN, t),
      serverProof(TOKEN, { ...t, purpose: 'console-pairing' }),
      serverProof(TOKEN, { ...t, clientNonce: newNonce() }),
      serverProof(TOKEN, { ...t, serverNonce: newNonce() }),
      serverProof(TOKEN, { ...t, fingerprint: RELAY_CERT }),
      serverProof(TOKEN.replace('a', 'b'), t),
    ]);
    expect(proofs.size).toBe(7);
  });

  it('refuse malformed transcript fields instead of MACing them', () => {
    expect(() => serverProof(TOKEN, exchange({ clientNonce: 'short' }))).toThrow(/malformed/);
    expect(() => serverProof(TOKEN, exchange({ fingerprint: 'ab:cd' }))).toThrow(/malformed/);
  });

  it('compare in constant time and match nothing malformed', () => {
    const p = serverProof(TOKEN, exchange());
    expect(proofsEqual(p, p)).toBe(true);
    expect(proofsEqual(p, `${p.startsWith('A') ? 'B' : 'A'}${p.slice(1)}`)).toBe(false);
    // Every other spelling of the last character (its two spare bits) is refused too.
    for (const last of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')
      if (last !== p.at(-1)) expect(proofsEqual(p, `${p.slice(0, -1)}${last}`)).toBe(false);
    expect(proofsEqual(p, '')).toBe(false);
    expect(proofsEqual('x', 'x')).toBe(false);
  });
});

describe('checkConsoleProof (the client side of step 1)', () => {
  const check = (t: Transcript, answer: { serverProof: string; claimedFingerprint: string }, seen: string | null, token = TOKEN) =>
    checkConsoleProof({
      token,
      purpose: t.purpose,
      clientNonce: t.clientNonce,
      serverNonce: t.serverNonce,
      ...answer,
      seenFingerprint: seen,
      address: '192.0.2.1:443',
    });

  it('accepts the console that proves the token over the certificate seen, and answers with the client proof', () => {
    const t = exchange();
    const result = check(t, { serverProof: serverProof(TOKEN, t), claimedFingerprint: CONSOLE_CERT }, CONSOLE_CERT);
    expect(result).toEqual({ ok: true, clientProof: clientProof(TOKEN, t) });
  });

  it('a relay with another certificate fails both ways', () => {
    // The client talks TLS to the relay (RELAY_CERT); the relay forwards step 1 to the console, which
    // proves over its own CONSOLE_CERT.
    const clientSide = exchange({ fingerprint: RELAY_CERT });
    const consoleSide: Transcript = { ...clientSide, fingerprint: CONSOLE_CERT };
    const relayed = { serverProof: serverProof(TOKEN, consoleSide), claimedFingerprint: CONSOLE_CERT };
    // 1. The client refuses: the console's proof is not over the certificate the client saw.
    const refused = check(clientSide, relayed, RELAY_CERT);
    expect(refused).toMatchObject({ ok: false, code: 'TLS_INTERCEPTED' });
    expect(refused.ok ? '' : refused.message).toContain(`presented ${RELAY_CERT}`);
    // A relay that also rewrites the claimed fingerprint gains nothing: still refused.
    expect(check(clientSide, { ...relayed, claimedFingerprint: RELAY_CERT }, RELAY_CERT)).toMatchObject({ ok: false });
    // 2. The console refuses: a client that went on anyway proves over RELAY_CERT, the console expects CONSOLE_CERT.
    const fromClient = clientProof(TOKEN, clientSide);
    expect(proofsEqual(clientProof(TOKEN, consoleSide), fromClient)).toBe(false);
    // And nothing the relay saw works as the other proof or in another exchange.
    expect(proofsEqual(clientProof(TOKEN, consoleSide), relayed.serverProof)).toBe(false);
    expect(proofsEqual(clientProof(TOKEN, { ...consoleSide, serverNonce: newNonce() }), fromClient)).toBe(false);
  });

  it('a wrong token is told apart from interception', () => {
    const t = exchange();
    const result = check(t, { serverProof: serverProof(TOKEN, t), claimedFingerprint: CONSOLE_CERT }, CONSOLE_CERT, 'z'.repeat(32));
    expect(result).toMatchObject({ ok: false, code: 'WRONG_TOKEN' });
    expect(result.ok ? '' : result.message).toMatch(/^The token does not match this console's connection string/);
  });

  it('refuses when the connection showed no certificate, and a malformed answer', () => {
    const t = exchange();
    expect(check(t, { serverProof: serverProof(TOKEN, t), claimedFingerprint: CONSOLE_CERT }, null)).toMatchObject({
      code: 'NO_CERTIFICATE',
    });
    expect(check({ ...t, serverNonce: 'bad' }, { serverProof: 'bad', claimedFingerprint: CONSOLE_CERT }, CONSOLE_CERT)).toMatchObject({
      ok: false,
    });
  });
});

describe('ChallengeStore', () => {
  const input = (ip = '192.0.2.1') => ({
    purpose: 'sensor-registration' as const,
    ip,
    clientNonce: newNonce(),
    serverNonce: newNonce(),
    fingerprint: CONSOLE_CERT,
  });

  it('gives each challenge once, and not after it expired', () => {
    const store = new ChallengeStore(30_000);
    const a = store.issue(input(), 0);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(store.take(a.id, 1000)).toEqual(a);
    expect(store.take(a.id, 1000)).toBeNull();
    const b = store.issue(input(), 0);
    expect(store.take(b.id, 30_000)).toBeNull();
    expect(store.size).toBe(0);
  });

  it('is bounded in all and per address; a flooding address evicts its own challenges first', () => {
    const store = new ChallengeStore(30_000, 100, 10);
    const victim = store.issue(input('192.0.2.9'), 0);
    const flood = Array.from({ length: 1000 }, (_, i) => store.issue(input('192.0.2.66'), i));
    expect(store.size).toBe(11);
    expect(store.take(flood[0]!.id, 1000)).toBeNull();
    expect(store.take(flood[999]!.id, 1000)).not.toBeNull();
    expect(store.take(victim.id, 1000)).not.toBeNull();
    // Many addresses: the global cap holds, oldest first.
    const many = Array.from({ length: 500 }, (_, i) => store.issue(input(`198.51.100.${i % 250}:${i}`), 2000 + i));
    expect(store.size).toBe(100);
    expect(store.take(many[399]!.id, 3000)).toBeNull();
    expect(store.take(many[400]!.id, 3000)).not.toBeNull();
  });

  it('drops expired challenges as new ones come in', () => {
    const store = new ChallengeStore(1000, 100, 10);
    for (let i = 0; i < 5; i++) store.issue(input(`a${i}`), 0);
    store.issue(input('b'), 5000);
    expect(store.size).toBe(1);
  });
});
