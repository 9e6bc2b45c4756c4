import { loadWriteRefusal } from './write-refusal.ts';

export type ReadOnlyNotice = { message: string; active: { domain: string; url: string } | null };

// The banner of every console page: the very words a refused action returns, so the page says in advance
// what a submit would answer.
export async function loadReadOnlyNotice(): Promise<ReadOnlyNotice | null> {
  const refusal = await loadWriteRefusal();
  return refusal ? { message: refusal.message, active: refusal.active } : null;
}
