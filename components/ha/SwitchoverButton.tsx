'use client';

import { useRouter } from 'next/navigation';
import { useId, useState, useTransition } from 'react';
import { switchover } from '@/lib/failover/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { ConfirmDialog } from '../ui/ConfirmDialog';

type Outcome = { tone: 'success' | 'error'; text: string };

// The planned switchover: hands the active role to the peer with nothing lost. `unavailable` says why this
// console cannot start one as the page last saw it (the action checks again: the state may have moved).
export function SwitchoverButton({ peer, unavailable }: { peer: string; unavailable: string | null }) {
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const hintId = useId();

  const confirm = () =>
    startTransition(async () => {
      const result = await switchover({});
      setConfirming(false);
      setOutcome(
        result.ok
          ? {
              tone: 'success',
              text: `Switchover done: ${peer} is the active console and the primary (term ${result.term}); this console is its secondary, read-only.`,
            }
          : { tone: 'error', text: result.message },
      );
      router.refresh();
    });

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <Button
          variant="danger"
          onClick={() => setConfirming(true)}
          disabled={pending || unavailable !== null}
          aria-describedby={unavailable ? hintId : undefined}
        >
          Make the peer active
        </Button>
        {unavailable ? (
          <p id={hintId} className="text-sm text-slate-600" data-testid="switchover-unavailable">
            {unavailable}
          </p>
        ) : null}
      </div>
      {outcome ? <Alert tone={outcome.tone}>{outcome.text}</Alert> : null}
      <ConfirmDialog
        open={confirming}
        title={`Make ${peer} the active console?`}
        confirmLabel="Make the peer active"
        busy={pending}
        onConfirm={confirm}
        onCancel={() => setConfirming(false)}
      >
        <ul className="list-disc space-y-1 pl-5">
          <li>This console stops accepting changes for a few seconds.</li>
          <li>Everything it holds that {peer} does not is sent to it first (the journal is drained), so nothing is lost.</li>
          <li>
            {peer} becomes the active console and the primary; this console becomes its secondary, read-only. Sensors follow to {peer}.
          </li>
          <li>Sign in on {peer} with the same credentials to go on working.</li>
        </ul>
      </ConfirmDialog>
    </div>
  );
}
