export type CertificateBanner = { tone: 'warning' | 'error'; message: string } | null;

const DAY = 86_400_000;

// Warn 30 days before the certificate expires, and loudly once it has.
export function certificateBanner(notAfter: Date, now: Date): CertificateBanner {
  const days = Math.ceil((notAfter.getTime() - now.getTime()) / DAY);
  if (days <= 0)
    return { tone: 'error', message: `The HTTPS certificate expired on ${notAfter.toISOString().slice(0, 10)}. Upload a new one.` };
  if (days <= 30)
    return {
      tone: 'warning',
      message: `The HTTPS certificate expires in ${days} day${days === 1 ? '' : 's'} (${notAfter.toISOString().slice(0, 10)}). Upload a new one before then.`,
    };
  return null;
}
