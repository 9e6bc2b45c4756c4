import { db } from '../db/client.ts';

export async function getCertificateRecord() {
  return db().certificate.findUnique({ where: { id: 1 } });
}
