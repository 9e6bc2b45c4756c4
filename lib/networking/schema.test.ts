import { describe, expect, it } from 'vitest';
import { vlanSchema } from './schema.ts';

const issue = (input: unknown) => {
  const parsed = vlanSchema.safeParse(input);
  return parsed.success ? null : { path: parsed.error.issues[0]!.path.join('.'), message: parsed.error.issues[0]!.message };
};

describe('VLAN schema', () => {
  it('accepts IDs 1 and 4094, from numbers or digit strings, and trims the name', () => {
    expect(vlanSchema.parse({ id: 1, name: 'Management' })).toEqual({ id: 1, name: 'Management' });
    expect(vlanSchema.parse({ id: ' 4094 ', name: '  PLC cell 3  ' })).toEqual({ id: 4094, name: 'PLC cell 3' });
    expect(vlanSchema.parse({ id: '12', name: 'x'.repeat(64) }).name).toHaveLength(64);
  });

  it.each([0, 4095, -1, 12.5, '12.5', '1e3', '', 'twelve', null, 99999999])('refuses the ID %j', (id) => {
    expect(issue({ id, name: 'ok' })).toEqual({ path: 'id', message: 'Enter a VLAN ID: a whole number from 1 to 4094.' });
  });

  it('refuses an empty, blank, too long or control-character name', () => {
    expect(issue({ id: 5, name: '' })).toEqual({ path: 'name', message: 'Enter a name for the VLAN.' });
    expect(issue({ id: 5, name: '    ' })).toEqual({ path: 'name', message: 'Enter a name for the VLAN.' });
    expect(issue({ id: 5 })).toEqual({ path: 'name', message: 'Enter a name for the VLAN.' });
    expect(issue({ id: 5, name: 'x'.repeat(65) })).toEqual({ path: 'name', message: 'A VLAN name can be at most 64 characters.' });
    expect(issue({ id: 5, name: 'line\nbreak' })).toEqual({ path: 'name', message: 'A VLAN name cannot contain control characters.' });
  });

  it('refuses unknown fields', () => expect(issue({ id: 5, name: 'ok', extra: 1 })).not.toBeNull());
});
