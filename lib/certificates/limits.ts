// Browser-safe: the upload form refuses an oversized file with the very words the server would use,
// without sending it (a large file would otherwise meet the transport's own limit first).

// Far above any certificate, key or chain (a ten-certificate chain is about 20 KB).
export const CERTIFICATE_FILE_MAX_BYTES = 64 * 1024;

export function oversizedFileMessage(label: string, bytes: number): string {
  const size = bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
  return `The ${label} is ${size}, larger than 64 KB; it cannot be a certificate, key or chain file. Check that you chose the right file.`;
}
