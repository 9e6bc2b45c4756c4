// The commands an appliance admin types (as root, in an SSH shell), each a file cli/<name>.ts. The
// vendor's activation tools and the simulated sensor agent are not appliance commands: they run from
// the source tree (`node --import tsx cli/ot-activation-issue.ts ...`) on the vendor's or a test machine.
export const APPLIANCE_COMMANDS = [
  'cyberx-management-backup',
  'cyberx-management-ha-check',
  'cyberx-management-ha-promote',
  'cyberx-management-system-restore',
  'cyberx-management-trusted-hosts-add',
  'cyberx-management-trusted-hosts-apply',
  'cyberx-management-trusted-hosts-list',
  'cyberx-management-trusted-hosts-remove',
  'cyberx-management-user-reset-password',
] as const;

export type ApplianceCommand = (typeof APPLIANCE_COMMANDS)[number];
