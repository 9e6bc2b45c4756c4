import type { TimelineEntry } from '@/lib/failover/timeline';
import { formatUtc } from '@/lib/format/display';
import { Card } from '../ui/Card';
import { ACTION_LABELS, changeText, countsText } from './failover-texts';

// The role changes of both consoles (audit events; the peer's reach this console by replication).
export function RoleTimeline({ timeline }: { timeline: readonly TimelineEntry[] }) {
  return (
    <Card title="Role changes" description="The last 50 changes of either console's role or term, newest first, with the reason recorded.">
      {timeline.length === 0 ? (
        <p className="text-sm text-slate-600" data-testid="role-timeline-empty">
          No role change has been recorded yet.
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="role-timeline">
            <caption className="sr-only">Role changes, newest first</caption>
            <thead className="border-b border-slate-200 text-slate-600">
              <tr>
                <th scope="col" className="py-2 pr-4 font-medium">
                  Time
                </th>
                <th scope="col" className="py-2 pr-4 font-medium">
                  Console
                </th>
                <th scope="col" className="py-2 pr-4 font-medium">
                  Change
                </th>
                <th scope="col" className="py-2 pr-4 text-right font-medium">
                  Term
                </th>
                <th scope="col" className="py-2 font-medium">
                  Reason
                </th>
              </tr>
            </thead>
            <tbody>
              {timeline.map((e) => {
                const counts = countsText(e);
                return (
                  <tr key={e.id} className="border-b border-slate-100 align-top" data-testid="role-change">
                    <td className="py-2 pr-4 whitespace-nowrap tabular-nums">{formatUtc(e.at)}</td>
                    <td className="py-2 pr-4">{e.consoleName}</td>
                    <td className="py-2 pr-4">
                      <span className="font-medium">{ACTION_LABELS[e.action]}</span>
                      <span className="block text-slate-600">{changeText(e)}</span>
                    </td>
                    <td className="py-2 pr-4 text-right tabular-nums">{e.term ?? '—'}</td>
                    <td className="py-2">
                      {e.reason ?? '—'}
                      {counts ? <span className="block text-slate-600">{counts}</span> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
