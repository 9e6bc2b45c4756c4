import Link from 'next/link';

// Previous/next links for a paged list; other query parameters (filters) are kept.
export function Pager({
  basePath,
  page,
  pages,
  params = {},
  label,
}: {
  basePath: string;
  page: number;
  pages: number;
  params?: Record<string, string | undefined>;
  label: string;
}) {
  if (pages <= 1) return null;
  const href = (p: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    if (p > 1) q.set('page', String(p));
    const s = q.toString();
    return s ? `${basePath}?${s}` : basePath;
  };
  const linkClass = 'rounded-md border border-slate-300 px-3 py-1.5 hover:bg-slate-100';
  return (
    <nav aria-label={label} className="flex items-center justify-between gap-4 text-sm">
      {page > 1 ? (
        <Link href={href(page - 1)} className={linkClass}>
          Previous
        </Link>
      ) : (
        <span />
      )}
      <span className="text-slate-600">
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <Link href={href(page + 1)} className={linkClass}>
          Next
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
