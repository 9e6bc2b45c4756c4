import { z } from 'zod';
import { parseConnectionString, type ConnectionString } from '../appliance/connection-string.ts';

// The secondary's connection string as pasted from its System Settings → Sensor Setup, read by the same
// parser as cyberx-management-trusted-hosts-add -connection-string.
const connectionStringSchema = z
  .string({ error: "Paste the secondary's connection string." })
  .max(200, 'A connection string is an address, an optional port and a 32-character token: this is too long.')
  .transform((text, ctx): ConnectionString => {
    const parsed = parseConnectionString(text);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  });

export const pairInputSchema = z
  .object({
    connectionString: connectionStringSchema,
    confirmReplace: z.boolean({ error: "Say whether the secondary's data may be replaced." }),
  })
  .strict();

// Domains are certificate CNs (lib/trusted-hosts/mutations.ts names the trusted host by it).
export const trustedHostDomainSchema = z
  .object({
    domain: z.string({ error: 'Name the trusted host by its domain.' }).trim().min(1, 'Name the trusted host by its domain.').max(253),
  })
  .strict();
