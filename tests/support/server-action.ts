import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { request } from './https.ts';

// Server actions called over HTTPS exactly as the browser calls them: the id the production build gave
// the action in the Next-Action header, the arguments in React's own encoding, POSTed to a page that
// uses the action, the return value read back from the flight response. Used by integration tests and
// benchmarks against a built console (it reads .next/ in the working directory).

// React's own encoder for server-action arguments (what the browser sends), Files included.
const { encodeReply } = createRequire(import.meta.url)('next/dist/compiled/react-server-dom-webpack/client.node') as {
  encodeReply: (value: unknown) => Promise<string | FormData>;
};

export type ServerActionRef = { file: string; name: string; id: string; page: string };
export type ActionResult = { ok: boolean; code?: string; message?: string; [key: string]: unknown };
// A signed-in browser: the console's URL, its certificate (trusted as the only CA) and the session cookie.
export type BrowserSession = { url: string; ca: string; cookie: string };

// The action's id as the production build registered it, and the page whose form uses it (an action is
// served only on a page that imports it).
export async function actionId(file: string, name: string): Promise<ServerActionRef> {
  const manifest = JSON.parse(await readFile('.next/server/server-reference-manifest.json', 'utf8')) as {
    node: Record<string, { filename: string; exportedName: string; workers: Record<string, unknown> }>;
  };
  const found = Object.entries(manifest.node).find(([, v]) => v.filename === file && v.exportedName === name);
  if (!found) throw new Error(`${file} ${name} is not in the build's server-reference manifest: rebuild (npm run build)`);
  const worker = Object.keys(found[1].workers).find((w) => w.startsWith('app/(console)/'));
  if (!worker) throw new Error(`${file} ${name} is used on no console page`);
  return { file, name, id: found[0], page: worker.slice('app/(console)'.length, -'/page'.length) || '/' };
}

// The action's return value, from the flight response: the row the root row points at with "$@<id>".
export function resultOf(body: string): ActionResult {
  const rows = new Map<string, string>();
  for (const line of body.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) rows.set(line.slice(0, at), line.slice(at + 1));
  }
  const root = JSON.parse(rows.get('0') ?? 'null') as { a?: string } | null;
  const ref = root?.a?.startsWith('$@') ? root.a.slice(2) : null;
  const row = ref === null ? undefined : rows.get(ref);
  if (row === undefined) throw new Error(`no action result in the response:\n${body.slice(0, 500)}`);
  return JSON.parse(row) as ActionResult;
}

async function encoded(args: unknown): Promise<{ body: string | Buffer; contentType: string }> {
  const reply = await encodeReply([args]);
  if (typeof reply === 'string') return { body: reply, contentType: 'text/plain;charset=UTF-8' };
  const multipart = new Request('https://console/', { method: 'POST', body: reply });
  return { body: Buffer.from(await multipart.arrayBuffer()), contentType: multipart.headers.get('content-type')! };
}

// Calls the action with one argument, as a form does; anything but a 200 with a result is an error.
export async function callServerAction(
  session: BrowserSession,
  action: ServerActionRef,
  args: unknown,
  options: { timeoutMs?: number } = {},
): Promise<ActionResult> {
  const { body, contentType } = await encoded(args);
  const response = await request(`${session.url}${action.page}`, {
    ca: session.ca,
    method: 'POST',
    headers: {
      cookie: session.cookie,
      origin: session.url,
      'next-action': action.id,
      accept: 'text/x-component',
      'content-type': contentType,
    },
    body,
    ...options,
  });
  if (response.status !== 200)
    throw new Error(`${action.file} ${action.name}: HTTP ${response.status} from ${action.page}: ${response.body.slice(0, 300)}`);
  return resultOf(response.body);
}
