import https from 'node:https';

export type HttpsResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

// A tiny HTTPS client that trusts exactly the console's own certificate (passed as `ca`).
export function request(
  url: string,
  options: { ca: string; method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number },
): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? 'GET', ca: options.ca, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    // No answer in time (a stopped console, a paused link): the request is abandoned, its socket closed.
    if (options.timeoutMs !== undefined)
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs} ms`)));
    if (options.body) req.write(options.body);
    req.end();
  });
}

function cookiesOf(response: HttpsResponse): string[] {
  const raw = response.headers['set-cookie'] ?? [];
  return (Array.isArray(raw) ? raw : [raw]).map((c) => c.split(';')[0]!);
}

// next-auth's credentials flow as a browser performs it; returns the session cookie header, or the
// error next-auth reported.
export async function signInOverHttps(
  baseUrl: string,
  ca: string,
  username: string,
  password: string,
  timeoutMs?: number,
): Promise<{ cookie: string } | { error: string }> {
  const csrf = await request(`${baseUrl}/api/auth/csrf`, { ca, timeoutMs });
  const csrfCookie = cookiesOf(csrf).join('; ');
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const response = await request(`${baseUrl}/api/auth/callback/credentials`, {
    ca,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ csrfToken, username, password, json: 'true' }).toString(),
    timeoutMs,
  });
  const session = cookiesOf(response).find((c) => c.includes('next-auth.session-token='));
  if (session) return { cookie: session };
  const url = (JSON.parse(response.body) as { url?: string }).url ?? '';
  return { error: new URL(url, baseUrl).searchParams.get('error') ?? `status ${response.status}` };
}
