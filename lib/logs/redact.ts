// Field names whose values must never reach a log file. pino matches paths, not names anywhere in a
// record, so each name is listed at the top level and one and two levels down (e.g. body.user.password);
// deeper values, and secrets inside message strings, are not caught and must not be logged.
const SECRET_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'passwordHash',
  'token',
  'connectionToken',
  'accessToken',
  'refreshToken',
  'apiKey',
  'secret',
  'authorization',
  'cookie',
  'credential',
  'privateKey',
  'keyPem',
  'passphrase',
  // An age identity (a backup's secret key), shown once to the admin and never kept.
  'identity',
] as const;

export const REDACT_PATHS: string[] = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export const REDACT_CENSOR = '[redacted]';
