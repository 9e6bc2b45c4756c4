import { describe, expect, it, vi } from 'vitest';
import { processSingleton } from './process-singleton.ts';

describe('processSingleton', () => {
  it('creates once per name and hands every caller the same instance', () => {
    let made = 0;
    const create = () => ({ n: ++made });
    const a = processSingleton('test.singleton-a', create);
    expect(processSingleton('test.singleton-a', create)).toBe(a);
    expect(processSingleton('test.singleton-b', create)).not.toBe(a);
    expect(made).toBe(2);
  });

  it('is shared through the global symbol registry, as a second copy of the module would see it', async () => {
    const first = processSingleton('test.singleton-shared', () => new Map<string, number>());
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('otc.test.singleton-shared')]).toBe(first);
    // A fresh module instance (what the other module graph has) finds the same object.
    vi.resetModules();
    const copy = await import('./process-singleton.ts');
    expect(copy.processSingleton).not.toBe(processSingleton);
    expect(copy.processSingleton('test.singleton-shared', () => new Map())).toBe(first);
  });

  it('keeps a falsy instance instead of creating it again', () => {
    let made = 0;
    expect(processSingleton('test.singleton-zero', () => (made++, 0))).toBe(0);
    expect(processSingleton('test.singleton-zero', () => (made++, 1))).toBe(0);
    expect(made).toBe(1);
  });
});
