import { Alert } from '../ui/Alert';

// What an action on the page answered; kept by the section so that it outlives the panel that caused it
// (a pair that was just added replaces the pair form, an unpaired console shows the form again).
export type HaNotice = { tone: 'error' | 'success' | 'info'; text: string; lines?: readonly string[]; command?: string };

export function HaNoticeView({ notice }: { notice: HaNotice }) {
  return (
    <Alert tone={notice.tone}>
      <p>{notice.text}</p>
      {notice.lines?.length ? (
        <ul className="mt-2 list-disc space-y-1 pl-5" aria-label="Reasons">
          {notice.lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
      {notice.command ? (
        <pre className="mt-2 overflow-x-auto rounded border border-current/20 bg-white/60 px-3 py-2 font-mono text-xs">
          {notice.command}
        </pre>
      ) : null}
    </Alert>
  );
}
