import type { ReadOnlyNotice } from '@/lib/ha/loaders';

// The message names the active console's address; that part of it is the link.
export function ReadOnlyBanner({ notice }: { notice: ReadOnlyNotice }) {
  const url = notice.active?.url;
  const at = url ? notice.message.indexOf(url) : -1;
  return (
    <div role="status" data-testid="read-only-banner" className="border-b border-amber-300 bg-amber-50 text-amber-950">
      <p className="mx-auto max-w-6xl px-4 py-2 text-sm">
        <strong className="font-semibold">Read-only. </strong>
        {url && at >= 0 ? (
          <>
            {notice.message.slice(0, at)}
            <a href={url} className="font-medium underline hover:no-underline">
              {url}
            </a>
            {notice.message.slice(at + url.length)}
          </>
        ) : (
          notice.message
        )}
      </p>
    </div>
  );
}
