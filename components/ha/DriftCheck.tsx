'use client';

import { useState, useTransition } from 'react';
import { checkDriftAction } from '@/lib/replication/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';

type Outcome = Awaited<ReturnType<typeof checkDriftAction>>;

// High Availability → drift check: one digest per replicated entity on each console, compared.
export function DriftCheck() {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, startTransition] = useTransition();

  function run() {
    startTransition(async () => setOutcome(await checkDriftAction({})));
  }

  return (
    <section aria-label="Drift check" className="space-y-3">
      <div className="flex items-center gap-3">
        <Button variant="secondary" onClick={run} disabled={pending}>
          {pending ? 'Comparing…' : 'Compare with peer'}
        </Button>
        <p className="text-sm text-slate-600">Checks that both consoles hold the same data, entity by entity.</p>
      </div>
      {outcome ? <DriftOutcome outcome={outcome} /> : null}
    </section>
  );
}

function DriftOutcome({ outcome }: { outcome: Outcome }) {
  if (!outcome.ok) return <Alert tone="error">{outcome.message}</Alert>;
  if (!outcome.settled)
    return (
      <Alert tone="warning">
        Replication with {outcome.peer.domain} kept moving (journal head here {outcome.positions.local.head}, there{' '}
        {outcome.positions.peer.head}), so the data could not be compared at one moment. Try again.
      </Alert>
    );
  const differing = outcome.entities.filter((e) => !e.same);
  return (
    <div className="space-y-3">
      {differing.length === 0 ? (
        <Alert tone="success">Every entity is the same on {outcome.peer.domain}.</Alert>
      ) : (
        <Alert tone="error">
          {differing.length} of {outcome.entities.length} entities differ from {outcome.peer.domain}:{' '}
          {differing.map((e) => e.entity).join(', ')}.
        </Alert>
      )}
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Drift check by entity</caption>
        <thead className="border-b border-slate-200 text-slate-600">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">
              Entity
            </th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">
              Rows here
            </th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">
              Rows on peer
            </th>
            <th scope="col" className="py-2 font-medium">
              Result
            </th>
          </tr>
        </thead>
        <tbody>
          {outcome.entities.map((e) => (
            <tr key={e.entity} className="border-b border-slate-100">
              <td className="py-2 pr-4 font-mono">{e.entity}</td>
              <td className="py-2 pr-4 text-right tabular-nums">{e.local.rows}</td>
              <td className="py-2 pr-4 text-right tabular-nums">{e.peer.rows}</td>
              <td className={`py-2 font-medium ${e.same ? 'text-emerald-700' : 'text-red-700'}`}>{e.same ? 'same' : 'differs'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
