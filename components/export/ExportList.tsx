import type { LogExportView } from '@/lib/export/data';
import { LOG_CATEGORY_LABELS } from '@/lib/logs/categories';
import { formatBytes, formatUtc } from '@/lib/format/display';
import { JobStatus } from '../ui/JobStatus';

export function ExportList({ exports }: { exports: LogExportView[] }) {
  if (exports.length === 0) return <p className="text-sm text-slate-600">No exports yet.</p>;
  return (
    <table className="w-full text-left text-sm">
      <thead className="border-b border-slate-200 text-slate-600">
        <tr>
          <th className="py-2 pr-4 font-medium">Date</th>
          <th className="py-2 pr-4 font-medium">Categories</th>
          <th className="py-2 pr-4 font-medium">Size</th>
          <th className="py-2 pr-4 font-medium">Status</th>
          <th className="py-2 font-medium">
            <span className="sr-only">Download</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {exports.map((item) => (
          <tr key={item.id} data-testid="export-row" className="border-b border-slate-100 align-top">
            <td className="py-2 pr-4 whitespace-nowrap">{formatUtc(item.createdAt)}</td>
            <td className="py-2 pr-4">{item.categories.map((c) => LOG_CATEGORY_LABELS[c]).join(', ')}</td>
            <td className="py-2 pr-4 whitespace-nowrap tabular-nums">{formatBytes(item.sizeBytes)}</td>
            <td className="py-2 pr-4">
              <JobStatus status={item.status} progress={item.progress} error={item.error} label="Export progress" />
            </td>
            <td className="py-2 text-right">
              {item.status === 'ready' ? (
                <a
                  href={`/api/v1/system/exports/${item.id}`}
                  download={item.downloadName}
                  className="font-medium text-sky-700 hover:underline"
                >
                  Download
                </a>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
