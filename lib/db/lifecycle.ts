// Process-level database lifecycle for server.ts and the CLI, which must close the pool but never query.
export { disconnectDb } from './client.ts';
