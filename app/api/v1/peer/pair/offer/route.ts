import { handlePairOffer } from '@/lib/trusted-hosts/http/handlers';
import { servePairingWebRequest } from '@/lib/trusted-hosts/http/web';

export const dynamic = 'force-dynamic';

// Pairing step c: a primary that proved the token offers itself. The handler starts with its
// guard and a zod parse (docs/peer-protocol.md, "Pairing").
export async function POST(request: Request) {
  return servePairingWebRequest(request, handlePairOffer);
}
