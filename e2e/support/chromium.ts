// Debian's Chromium as Playwright drives it, for the end-to-end specs and for integration tests that
// look at a page in a real browser. Playwright never downloads a browser here; the flags keep Chromium
// off the (closed) network and working as root in a container.
export const CHROMIUM_LAUNCH = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ],
};
