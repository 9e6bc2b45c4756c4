'use client';

import { useState, useTransition, type FormEvent } from 'react';
import { editVlan } from '@/lib/networking/actions';
import { Button } from '../ui/Button';

export type VlanView = { id: number; name: string };

export function VlanTable({
  vlans,
  busy,
  onRenamed,
  onDelete,
}: {
  vlans: VlanView[];
  busy: boolean;
  onRenamed: (vlan: VlanView, changed: boolean) => void;
  onDelete: (vlan: VlanView) => void;
}) {
  const [editing, setEditing] = useState<number | null>(null);
  if (vlans.length === 0) return <p className="text-sm text-slate-600">No VLANs yet. Add one below.</p>;
  return (
    <table className="w-full text-left text-sm">
      <caption className="sr-only">VLANs</caption>
      <thead className="border-b border-slate-200 text-slate-600">
        <tr>
          <th scope="col" className="w-24 py-2 pr-4 font-medium">
            VLAN ID
          </th>
          <th scope="col" className="py-2 pr-4 font-medium">
            Name
          </th>
          <th scope="col" className="py-2 font-medium">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {vlans.map((v) =>
          editing === v.id ? (
            <EditRow
              key={v.id}
              vlan={v}
              onCancel={() => setEditing(null)}
              onSaved={(name, changed) => {
                setEditing(null);
                onRenamed({ id: v.id, name }, changed);
              }}
            />
          ) : (
            <tr key={v.id} data-testid={`vlan-row-${v.id}`} className="border-b border-slate-100">
              <th scope="row" className="py-2 pr-4 font-mono font-medium">
                {v.id}
              </th>
              <td className="py-2 pr-4 break-all">{v.name}</td>
              <td className="py-2">
                <div className="flex justify-end gap-2">
                  <Button variant="secondary" disabled={busy} onClick={() => setEditing(v.id)} aria-label={`Edit VLAN ${v.id}`}>
                    Edit
                  </Button>
                  <Button variant="danger" disabled={busy} onClick={() => onDelete(v)} aria-label={`Delete VLAN ${v.id}`}>
                    Delete
                  </Button>
                </div>
              </td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}

function EditRow({ vlan, onCancel, onSaved }: { vlan: VlanView; onCancel: () => void; onSaved: (name: string, changed: boolean) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const inputId = `vlan-${vlan.id}-name`;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '');
    startTransition(async () => {
      const result = await editVlan({ id: vlan.id, name });
      if (!result.ok) return setError(result.fieldErrors?.name ?? result.message);
      onSaved(name.trim(), result.changed);
    });
  }

  return (
    <tr data-testid={`vlan-row-${vlan.id}`} className="border-b border-slate-100 bg-sky-50/50">
      <th scope="row" className="py-2 pr-4 align-top font-mono font-medium">
        {vlan.id}
      </th>
      <td colSpan={2} className="py-2">
        <form onSubmit={onSubmit} noValidate className="flex flex-wrap items-start gap-2" aria-label={`Rename VLAN ${vlan.id}`}>
          <div className="min-w-48 flex-1 space-y-1">
            <label htmlFor={inputId} className="sr-only">
              New name of VLAN {vlan.id}
            </label>
            <input
              id={inputId}
              name="name"
              defaultValue={vlan.name}
              autoFocus
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${inputId}-error` : undefined}
              className="block w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-sky-600 focus:outline-none focus:ring-1 focus:ring-sky-600 aria-invalid:border-red-500"
            />
            {error ? (
              <p id={`${inputId}-error`} role="alert" className="text-sm text-red-700">
                {error}
              </p>
            ) : null}
          </div>
          <Button type="submit" disabled={pending}>
            {pending ? 'Saving…' : 'Save'}
          </Button>
          <Button variant="secondary" onClick={onCancel} disabled={pending}>
            Cancel
          </Button>
        </form>
      </td>
    </tr>
  );
}
