// One log file per category, so that an operator can export only the part a support case needs.
export const LOG_CATEGORIES = ['core', 'web', 'auth', 'audit', 'ha', 'sensors', 'database', 'configuration', 'backup'] as const;

export type LogCategory = (typeof LOG_CATEGORIES)[number];

export const LOG_CATEGORY_LABELS: Record<LogCategory, string> = {
  core: 'Core Application',
  web: 'Web Application',
  auth: 'Authentication',
  audit: 'Audit',
  ha: 'High Availability',
  sensors: 'Sensor Communication',
  database: 'Database',
  configuration: 'Configuration',
  backup: 'System Backup',
};
