import type { SecureContextOptions } from 'node:tls';

// What the HTTPS listener negotiates, on the first context and on every certificate reload. TLS 1.2 only
// with forward-secret ECDHE key exchange and AEAD ciphers (no static RSA, no CBC, no SHA-1 MACs: Node's
// default "HIGH" list still allows those); TLS 1.3's three standard suites as OpenSSL orders them.
export const TLS_POLICY = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'TLS_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} satisfies SecureContextOptions & { honorCipherOrder: boolean };
