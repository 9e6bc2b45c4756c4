export type UploadRefusal = { ok: false; code: 'SECONDARY_CONSOLE' | 'NOT_ACTIVE'; message: string };

type ApplianceRole = { configuredRole: 'STANDALONE' | 'PRIMARY' | 'SECONDARY'; state: 'ACTIVE' | 'STANDBY' | 'FROZEN' };

// Activation belongs to the primary (or a console on its own) while it is the active one; a secondary
// receives it through replication. null when this console may take an upload.
export function uploadRefusal(appliance: ApplianceRole, primaryAddress?: string): UploadRefusal | null {
  const where = primaryAddress ? ` at ${primaryAddress}` : '';
  if (appliance.configuredRole === 'SECONDARY') {
    return {
      ok: false,
      code: 'SECONDARY_CONSOLE',
      message: `This console is the secondary of a high-availability pair, so it does not take activation files. Upload the activation file on the primary console${where}; it is replicated here.`,
    };
  }
  if (appliance.state !== 'ACTIVE') {
    const state = appliance.state === 'FROZEN' ? 'frozen because its secondary has taken over' : 'on standby';
    return {
      ok: false,
      code: 'NOT_ACTIVE',
      message: `This console is ${state}, so it does not take changes. Upload the activation file on the active console; it is replicated here once the pair is back in sync.`,
    };
  }
  return null;
}
