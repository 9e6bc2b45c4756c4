import { describe, expect, it } from 'vitest';
import { splitHostPort } from './address.ts';

describe('splitHostPort', () => {
  it('splits host:port and [v6]:port', () => {
    expect(splitHostPort('10.0.0.2:8443')).toEqual({ host: '10.0.0.2', port: 8443 });
    expect(splitHostPort('[fd00::2]:443')).toEqual({ host: 'fd00::2', port: 443 });
  });
  it('refuses anything else', () => {
    for (const bad of ['10.0.0.2', '10.0.0.2:0', '10.0.0.2:65536', 'fd00::2:443', ':443', '10.0.0.2:84x3'])
      expect(splitHostPort(bad), bad).toBeNull();
  });
});
