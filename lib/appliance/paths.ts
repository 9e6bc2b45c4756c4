import path from 'node:path';
import { loadConfig } from '../config/env.ts';

// Where this appliance keeps its files, all under the data directory (or OTC_LOG_DIR for logs).
export function appliancePaths(config = loadConfig()) {
  const data = config.dataDir;
  return {
    data,
    logs: config.logDir,
    exports: path.join(/*turbopackIgnore: true*/ data, 'exports'),
    backups: path.join(/*turbopackIgnore: true*/ data, 'backups'),
    tls: path.join(/*turbopackIgnore: true*/ data, 'tls'),
  };
}
