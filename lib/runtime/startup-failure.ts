// A start-up problem the operator can fix (a port in use, a directory PostgreSQL cannot reach, a password
// that no longer matches). Its message is one line naming the cause and what to do; server.ts and the CLI
// print it as is, without a stack trace.
export class StartupFailure extends Error {
  override name = 'StartupFailure';
}
