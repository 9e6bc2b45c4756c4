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
  | 'appliance.token-regenerate'
  | 'appliance.domain-change'
  | 'connection-string.reveal'
  | 'connection-string.copy'
  | 'activation.upload'
  | 'logs.export'
  | 'logs.export-download'
  | 'backup.create'
  | 'backup.download'
  | 'backup.restore'
  | 'vlan.create'
  | 'vlan.update'
  | 'vlan.delete'
  | 'certificate.install'
  | 'sensor.register'
  | 'sensor.delete'
  | 'sensor.replace-allow'
  | 'alert.acknowledge'
  | 'trusted-host.add'
  | 'trusted-host.remove'
  | 'trusted-host.apply'
  | 'trusted-host.certificate'
  | 'ha.peer-unreachable'
  | 'ha.peer-reachable'
  | 'ha.switchover-request'
  // Role changes decided by the failover state machine (lib/ha/quorum.ts); the HA page's timeline.
  | 'ha.takeover'
  | 'ha.restore'
  | 'ha.step-down'
  | 'ha.term-learned'
  | 'ha.switchover'
  | 'ha.switchover-aborted';

export type AuditOutcome = 'success' | 'failure';

export type AuditInput = {
  actor: string;
  action: AuditAction;
  outcome: AuditOutcome;
  target?: string;
  ip?: string;
  details?: Record<string, unknown>;
};
