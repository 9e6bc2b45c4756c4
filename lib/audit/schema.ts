export type AuditAction =
  | 'auth.sign-in'
  | 'auth.sign-out'
  | 'auth.lockout'
  | 'user.create'
  | 'user.password-change'
  | 'user.password-reset'
  | 'user.role-change'
  | 'user.delete'
  | 'setting.change'
  | 'appliance.first-boot'
  | 'appliance.token-regenerate';

export type AuditOutcome = 'success' | 'failure';

export type AuditInput = {
  actor: string;
  action: AuditAction;
  outcome: AuditOutcome;
  target?: string;
  ip?: string;
  details?: Record<string, unknown>;
};
