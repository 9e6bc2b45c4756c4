'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition, type FormEvent } from 'react';
import type { LogCategory } from '@/lib/logs/categories';
import { startExport } from '@/lib/export/actions';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { ExportPassword } from './ExportPassword';

export function LogExportForm({ categories, running }: { categories: { id: LogCategory; label: string }[]; running: boolean }) {
  const router = useRouter();
  const [chosen, setChosen] = useState<LogCategory[]>([]);
  const [password, setPassword] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const selectAll = useRef<HTMLInputElement>(null);

  const all = chosen.length === categories.length;
  useEffect(() => {
    if (selectAll.current) selectAll.current.indeterminate = chosen.length > 0 && !all;
  }, [chosen, all]);

  const toggle = (id: LogCategory, on: boolean) => setChosen((list) => (on ? [...list, id] : list.filter((c) => c !== id)));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    startTransition(async () => {
      const result = await startExport({ categories: chosen });
      if (!result.ok) return setError(result.message);
      setPassword(result.data.password);
      router.refresh();
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <fieldset className="space-y-2">
        <legend className="mb-2 text-sm font-medium text-slate-700">Log categories</legend>
        <label className="flex items-center gap-2 border-b border-slate-200 pb-2 text-sm font-medium">
          <input
            ref={selectAll}
            type="checkbox"
            checked={all}
            onChange={(e) => setChosen(e.target.checked ? categories.map((c) => c.id) : [])}
          />
          Select All
        </label>
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
          {categories.map((category) => (
            <label key={category.id} className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                name="categories"
                value={category.id}
                checked={chosen.includes(category.id)}
                onChange={(e) => toggle(category.id, e.target.checked)}
              />
              {category.label}
            </label>
          ))}
        </div>
      </fieldset>
      {error ? <Alert tone="error">{error}</Alert> : null}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending || running}>
          {pending ? 'Starting…' : 'Export'}
        </Button>
        {running ? <p className="text-sm text-slate-600">An export is being written; the next one can start when it is ready.</p> : null}
      </div>
      {password ? <ExportPassword password={password} /> : null}
    </form>
  );
}
