'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { removeVlan } from '@/lib/networking/actions';
import { Alert } from '../ui/Alert';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { AddVlanForm } from './AddVlanForm';
import { VlanTable, type VlanView } from './VlanTable';

type Status = { tone: 'error' | 'success' | 'info'; text: string };

export function VlansSection({ vlans }: { vlans: VlanView[] }) {
  const router = useRouter();
  const [status, setStatus] = useState<Status | null>(null);
  const [deleting, setDeleting] = useState<VlanView | null>(null);
  const [busy, startTransition] = useTransition();

  const refresh = (next: Status) => {
    setStatus(next);
    startTransition(() => router.refresh());
  };

  const confirmDelete = () =>
    startTransition(async () => {
      if (!deleting) return;
      const result = await removeVlan({ id: deleting.id });
      setDeleting(null);
      if (!result.ok) return setStatus({ tone: 'error', text: result.message });
      setStatus({ tone: 'success', text: `VLAN ${deleting.id} deleted.` });
      router.refresh();
    });

  return (
    <>
      <Card title="VLANs" description="Names for 802.1Q VLAN IDs (1–4094). Every change is journaled for replication to a paired console.">
        <div className="space-y-4">
          {status ? <Alert tone={status.tone}>{status.text}</Alert> : null}
          <VlanTable
            vlans={vlans}
            busy={busy}
            onRenamed={(v, changed) =>
              refresh(
                changed
                  ? { tone: 'success', text: `VLAN ${v.id} renamed to "${v.name}".` }
                  : { tone: 'info', text: `VLAN ${v.id} already had that name; nothing changed.` },
              )
            }
            onDelete={setDeleting}
          />
        </div>
      </Card>
      <Card title="Add VLAN">
        <AddVlanForm onAdded={(v) => refresh({ tone: 'success', text: `VLAN ${v.id} "${v.name}" added.` })} />
      </Card>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete VLAN ${deleting?.id ?? ''}?`}
        confirmLabel="Delete VLAN"
        busy={busy}
        onConfirm={confirmDelete}
        onCancel={() => setDeleting(null)}
      >
        VLAN {deleting?.id} (&ldquo;{deleting?.name}&rdquo;) is removed. This cannot be undone.
      </ConfirmDialog>
    </>
  );
}
