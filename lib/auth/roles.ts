export const ROLES = ['ADMIN', 'SECURITY_ANALYST', 'READ_ONLY'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  ADMIN: 'Admin',
  SECURITY_ANALYST: 'Security Analyst',
  READ_ONLY: 'Read Only',
};

// Higher rank includes every permission of the lower ones.
const RANK: Record<Role, number> = { READ_ONLY: 0, SECURITY_ANALYST: 1, ADMIN: 2 };

export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}
