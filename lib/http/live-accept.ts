import net from 'node:net';
import type tls from 'node:tls';

// The console's listening socket, in front of its HTTPS server: it hands a connection to TLS only once the
// client has sent its first bytes and is still there.
//
// A connection waits in the kernel's accept queue while the console is busy, and the client does not wait
// for ever: a sensor gives its handshake 5 s, then closes and tries again. Each connection it gave up stays
// in the queue, its ClientHello and its FIN with it, and Node's TLS server would answer every one — an RSA
// signature (3.6 ms at 3,072 bits on one core of the machines measured) for a client that is gone. When
// 1,000 sensors failed over at once, the queue held 2,500 such connections, the console spent all its time
// on them and no sensor got through for minutes. Skipping them costs one read each.
//
// A client that has given up has sent its bytes and its FIN long before the console reads them, so both are
// there when the connection is accepted; libuv reports the data, and the end of the stream on its next poll
// of the socket, so the decision waits two turns of the event loop (two setImmediate: a poll phase between).

// A client that connects and sends nothing is let go after this (TLS's own handshake timeout takes over
// once it has sent something).
export const FIRST_BYTES_TIMEOUT_MS = 30_000;

export type LiveAcceptStats = { handedOver: number; dropped: number };

export function liveAcceptor(
  server: tls.Server,
  options: { firstBytesTimeoutMs?: number } = {},
): { listener: net.Server; stats: LiveAcceptStats } {
  const stats: LiveAcceptStats = { handedOver: 0, dropped: 0 };
  const timeoutMs = options.firstBytesTimeoutMs ?? FIRST_BYTES_TIMEOUT_MS;
  const listener = net.createServer({ pauseOnConnect: true }, (socket) => {
    const chunks: Buffer[] = [];
    let ended = false;
    let decided = false;
    const decide = () => {
      if (decided) return;
      decided = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (ended || socket.destroyed) {
        stats.dropped++;
        socket.destroy();
        return;
      }
      socket.pause();
      // Back into the stream, in order, for the TLS server to read as if nothing had been read.
      for (const chunk of chunks.reverse()) socket.unshift(chunk);
      stats.handedOver++;
      server.emit('connection', socket);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      if (chunks.length === 1) setImmediate(() => setImmediate(decide));
    };
    const onEnd = () => {
      ended = true;
      decide();
    };
    const onError = () => {
      ended = true;
      decide();
    };
    const timer = setTimeout(onEnd, timeoutMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.resume();
  });
  // The HTTPS server itself never listens; it starts its idle and request-timeout checks on 'listening'.
  listener.on('listening', () => server.emit('listening'));
  return { listener, stats };
}
