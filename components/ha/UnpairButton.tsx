'use client';

import { useState, useTransition } from 'react';
import { unpair } from '@/lib/trusted-hosts/actions';
import { Button } from '../ui/Button';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import type { HaNotice } from './HaNoticeView';
import { unpairCommands } from './texts';

// Removes the trusted host on this console and applies, which makes it standalone. The other console
// keeps its side of the pair until it is unpaired there too.
export function UnpairButton({
  peer,
  selfDomain,
  label,
  onDone,
}: {
  peer: string;
  selfDomain: string;
  label: 'Unpair' | 'Remove';
  onDone: (notice: HaNotice) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [pending, startTransition] = useTransition();

  const confirm = () =>
    startTransition(async () => {
      const result = await unpair({ domain: peer });
      setConfirming(false);
      if (!result.ok) return onDone({ tone: 'error', text: result.message });
      onDone({
        tone: 'success',
        text: `${label === 'Unpair' ? 'Unpaired' : 'Removed'}: this console no longer trusts ${peer} and is standalone. Unpair ${peer} too, on its System Settings → High Availability page or with these commands there:`,
        command: unpairCommands(selfDomain),
      });
    });

  return (
    <>
      <Button variant="danger" onClick={() => setConfirming(true)} disabled={pending}>
        {label}
      </Button>
      <ConfirmDialog
        open={confirming}
        title={label === 'Unpair' ? `Unpair from ${peer}?` : `Remove the pending pair with ${peer}?`}
        confirmLabel={label}
        busy={pending}
        onConfirm={confirm}
        onCancel={() => setConfirming(false)}
      >
        This console stops trusting {peer} and becomes standalone; replication between the two stops. {peer} must be unpaired on its own
        side as well.
      </ConfirmDialog>
    </>
  );
}
