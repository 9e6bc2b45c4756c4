import net from 'node:net';
import type tls from 'node:tls';

// The console's listening socket, in front of its HTTPS server. It decides when a new connection gets its
// TLS handshake: only once the client has sent its first bytes and is still there, and only so many per
// turn of the event loop, so that the connections already up keep being answered.
//
// Why, measured with 1,000 sensors failing over to one console at once (2 cores):
// - A connection waits in the kernel's accept queue while the console is busy, and the client does not wait
//   for ever: a sensor gives its handshake 5 s, then closes and tries again. Each connection it gave up stays
//   in the queue with its ClientHello and its FIN, and Node's TLS server answers every one — an RSA
//   signature, 3.6 ms at 3,072 bits, for a client that is gone. The queue held 2,500 of them and no sensor
//   got through for minutes.
// - libuv accepts everything queued in one go, and Node's TLS server does each handshake the moment it has
//   the ClientHello. Hundreds of them in one turn blocked the event loop for seconds; heartbeats on the
//   connections already up were answered after the sensors' 0.75 s, so their answers (and the stamps in
//   them, the votes) were lost, and the console that should take over never got a majority.
// Here the connections accepted wait in a queue of our own, where a client that leaves is seen and
// dropped; each turn hands over as many as fit in HANDOVER_BUDGET_MS of handshake work, then the loop
// goes back to the connections that are up.
//
// A client that gave up before its connection was read has sent its bytes and its FIN long before, so both
// are there; libuv reports the data, and the end of the stream on its next poll of the socket, so the
// decision waits two turns of the event loop (two setImmediate: a poll phase between).

// A client that connects and sends nothing is let go after this (TLS's own handshake timeout takes over
// once it has been handed over).
export const FIRST_BYTES_TIMEOUT_MS = 30_000;
// Handshake work per turn of the event loop, at most (at least one connection is handed over each turn),
// and connections handed over per turn, at most, however cheap their handshakes.
export const HANDOVER_BUDGET_MS = 10;
const MAX_HANDOVERS_PER_TURN = 64;

export type LiveAcceptStats = { handedOver: number; dropped: number; waiting: number };

type Waiting = { socket: net.Socket; chunks: Buffer[]; gone: boolean; release: () => void };

export function liveAcceptor(
  server: tls.Server,
  options: { firstBytesTimeoutMs?: number; handoverBudgetMs?: number } = {},
): { listener: net.Server; stats: LiveAcceptStats } {
  const stats: LiveAcceptStats = { handedOver: 0, dropped: 0, waiting: 0 };
  const timeoutMs = options.firstBytesTimeoutMs ?? FIRST_BYTES_TIMEOUT_MS;
  const budgetMs = options.handoverBudgetMs ?? HANDOVER_BUDGET_MS;
  const queue: Waiting[] = [];
  let pumping = false;

  const drop = (entry: Waiting) => {
    stats.dropped++;
    entry.release();
    entry.socket.destroy();
  };

  // Node's TLS server does a handshake on the tick after it is handed the connection (TLSSocket reads on
  // process.nextTick), so the work cannot be timed inside one callback. Each handover is a setImmediate
  // of its own instead: Node runs the ticks between immediates, so each one starts after the last
  // handshake and sees the time they took. Immediates scheduled now run in the next turn, after its poll.
  let turnStarted = 0;
  let handedThisTurn = 0;
  const handOverOne = () => {
    if (handedThisTurn === 0) turnStarted = performance.now();
    else if (performance.now() - turnStarted >= budgetMs) return;
    while (queue.length > 0) {
      const entry = queue.shift()!;
      stats.waiting = queue.length;
      if (entry.gone || entry.socket.destroyed) {
        drop(entry);
        continue;
      }
      entry.release();
      entry.socket.pause();
      // Back into the stream, in order, for the TLS server to read as if nothing had been read.
      for (const chunk of entry.chunks.reverse()) entry.socket.unshift(chunk);
      stats.handedOver++;
      handedThisTurn++;
      server.emit('connection', entry.socket);
      return;
    }
  };
  const scheduleTurn = () => {
    handedThisTurn = 0;
    for (let i = Math.min(queue.length, MAX_HANDOVERS_PER_TURN); i > 0; i--) setImmediate(handOverOne);
    setImmediate(() => {
      pumping = queue.length > 0;
      if (pumping) scheduleTurn();
    });
  };

  const listener = net.createServer({ pauseOnConnect: true }, (socket) => {
    const entry: Waiting = { socket, chunks: [], gone: false, release: () => undefined };
    let queued = false;
    const onGone = () => {
      entry.gone = true;
      if (!queued) {
        queued = true; // decided: never handed over
        drop(entry);
      }
    };
    const onData = (chunk: Buffer) => {
      entry.chunks.push(chunk);
      if (entry.chunks.length === 1) setImmediate(() => setImmediate(enqueue));
    };
    const enqueue = () => {
      if (queued) return;
      queued = true;
      clearTimeout(timer);
      // Still read while it waits (more bytes are kept with the first): that is how its FIN is seen.
      queue.push(entry);
      stats.waiting = queue.length;
      if (!pumping) {
        pumping = true;
        scheduleTurn();
      }
    };
    const timer = setTimeout(onGone, timeoutMs);
    entry.release = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onGone);
      socket.off('error', onGone);
      socket.off('close', onGone);
    };
    socket.on('data', onData);
    socket.on('end', onGone);
    socket.on('error', onGone);
    socket.on('close', onGone);
    socket.resume();
  });
  // The HTTPS server itself never listens; it starts its idle and request-timeout checks on 'listening'.
  listener.on('listening', () => server.emit('listening'));
  return { listener, stats };
}
