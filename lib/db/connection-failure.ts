import { StartupFailure } from '../runtime/startup-failure.ts';

type PgError = Error & { code?: string };

// What a failed first connection means for the operator, by PostgreSQL's error code or the socket's.
export function explainConnectionFailure(error: unknown, where: { dataDir?: string; databaseUrl?: string }): Error {
  if (error instanceof StartupFailure || !(error instanceof Error)) return error as Error;
  const code = (error as PgError).code;
  const target = where.databaseUrl ? `The database at DATABASE_URL (${redactUrl(where.databaseUrl)})` : 'The embedded PostgreSQL';
  const fix = where.databaseUrl
    ? 'check the user and password in DATABASE_URL'
    : `${where.dataDir}/pg-credentials.json no longer matches the cluster: restore that file from a backup of the data directory, or start over with an empty data directory`;
  switch (code) {
    case '28P01':
    case '28000':
      return new StartupFailure(`${target} refused the console's password: ${fix}.`);
    case '3D000':
      return new StartupFailure(`${target} has no such database (${error.message}): create it, or correct DATABASE_URL.`);
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return new StartupFailure(`${target} cannot be reached (${code}): start that PostgreSQL or correct DATABASE_URL.`);
    case '42501':
      return new StartupFailure(
        `${target} refused a privilege the console needs (${error.message}): the user in DATABASE_URL must own its database.`,
      );
    default:
      return error;
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'not a valid URL';
  }
}
