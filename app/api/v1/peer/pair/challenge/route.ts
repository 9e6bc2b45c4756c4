import { handlePairChallenge } from '@/lib/trusted-hosts/http/handlers';
import { servePairingWebRequest } from '@/lib/trusted-hosts/http/web';

export const dynamic = 'force-dynamic';

// Pairing: step 1 of each token proof (the guard is the token throttle). The handler starts with its
// guard and a zod parse (docs/peer-protocol.md, "Pairing").
export async function POST(request: Request) {
  return servePairingWebRequest(request, handlePairChallenge);
}
