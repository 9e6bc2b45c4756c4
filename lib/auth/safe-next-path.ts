// Where to go after sign-in, taken from the `next` query parameter. Only a path on this console is
// followed: browsers read `/\evil.example` and `/<TAB>/evil.example` as `//evil.example` (another
// site), so anything with a backslash, a control character or whitespace, before or after
// percent-decoding, falls back to the overview. Free of Node imports: the sign-in form uses it too.
const BASE = 'https://console.invalid';
function unsafe(text: string): boolean {
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char === '\\' || /\s/.test(char) || code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function safeNextPath(raw: string | null | undefined): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || unsafe(raw)) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return '/';
  }
  if (decoded.startsWith('//') || unsafe(decoded)) return '/';
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  // Normalising dot segments can make a path that passed the checks above start with `//` again
  // (`/.//evil.example`, `/a/..//evil.example`): what is returned is checked, not only what came in.
  const target = url.pathname + url.search + url.hash;
  if (target.startsWith('//') || unsafe(target)) return '/';
  return target;
}
