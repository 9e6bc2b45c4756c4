import { handlePeerIdentity } from '@/lib/trusted-hosts/http/handlers';
import { servePairingWebRequest } from '@/lib/trusted-hosts/http/web';

export const dynamic = 'force-dynamic';

// Pairing step a: this console's identity, for a console that proved the connection-string token. The handler starts with its
// guard and a zod parse (docs/peer-protocol.md, "Pairing").
export async function POST(request: Request) {
  return servePairingWebRequest(request, handlePeerIdentity);
}
