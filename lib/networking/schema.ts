import { z } from 'zod';

export const VLAN_ID_MIN = 1;
export const VLAN_ID_MAX = 4094;
export const VLAN_NAME_MAX = 64;

const ID_MESSAGE = `Enter a VLAN ID: a whole number from ${VLAN_ID_MIN} to ${VLAN_ID_MAX}.`;

// 802.1Q: 0 and 4095 are reserved. Forms send text, so digits in a string are accepted as the number
// they spell; anything else ("12.5", "1e3", "") is refused rather than coerced.
export const vlanIdSchema = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d{1,6}\s*$/.test(v) ? Number(v) : v),
  z.number({ error: ID_MESSAGE }).int(ID_MESSAGE).min(VLAN_ID_MIN, ID_MESSAGE).max(VLAN_ID_MAX, ID_MESSAGE),
);

export const vlanNameSchema = z
  .string({ error: 'Enter a name for the VLAN.' })
  .trim()
  .min(1, 'Enter a name for the VLAN.')
  .max(VLAN_NAME_MAX, `A VLAN name can be at most ${VLAN_NAME_MAX} characters.`)
  .regex(/^[^\p{Cc}]*$/u, 'A VLAN name cannot contain control characters.');

export const vlanSchema = z.object({ id: vlanIdSchema, name: vlanNameSchema }).strict();
export type VlanInput = z.infer<typeof vlanSchema>;

export const vlanIdInputSchema = z.object({ id: vlanIdSchema }).strict();
