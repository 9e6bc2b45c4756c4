import type { LogCategory } from '../logs/categories.ts';

// Why an exported category has no file, said in the archive itself (manifest.json and README.txt), so
// that whoever opens it does not wonder whether something went missing.
export function emptyCategoryReason(category: LogCategory, console: { standalone: boolean }): string {
  if (category === 'ha' && console.standalone)
    return 'no ha.log: high availability is not configured on this console (it is standalone), so nothing is logged in this category.';
  if (category === 'configuration')
    return 'no configuration.log: no entries were logged in this category; configuration changes are recorded in the audit category (audit.log).';
  return `no ${category}.log: no entries were logged in this category on this console (the file is created with its first entry).`;
}
