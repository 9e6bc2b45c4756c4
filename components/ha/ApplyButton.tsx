'use client';

import { useTransition } from 'react';
import { applyPair } from '@/lib/trusted-hosts/actions';
import { Button } from '../ui/Button';
import type { HaNotice } from './HaNoticeView';

export function ApplyButton({ onDone }: { onDone: (notice: HaNotice) => void }) {
  const [pending, startTransition] = useTransition();
  const apply = () =>
    startTransition(async () => {
      const result = await applyPair({});
      if (!result.ok) return onDone({ tone: 'error', text: result.message });
      if (result.outcome === 'standalone')
        return onDone({
          tone: 'success',
          text: result.wasPaired
            ? 'Applied: this console is standalone.'
            : 'Nothing to apply: this console trusts no host and is standalone.',
        });
      onDone({
        tone: 'success',
        text: result.alreadyApplied
          ? `Already applied: this console is paired with ${result.peer}.`
          : `Applied: ${result.peer} is now the secondary of this console. The snapshot of this console's data is being sent to it.`,
      });
    });
  return (
    <Button onClick={apply} disabled={pending}>
      {pending ? 'Applying…' : 'Apply'}
    </Button>
  );
}
