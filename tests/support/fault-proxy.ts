import net from 'node:net';

// A fault-injecting TCP proxy for one link (a stand-in for toxiproxy, which this machine lacks). It
// forwards bytes without looking at them, so TLS and mutual TLS pass through untouched.
//
//   pass       forward at once
//   delay      forward each chunk `ms` after it arrived, in order
//   pause      hold every byte (and the end of the stream) until the direction is set to pass or delay
//   blackhole  accept and swallow: the sender sees no error, nothing arrives (held bytes are lost too)
//   reset      destroy every connection with a TCP reset, and each new one as it arrives
//
// Modes are per direction and take effect at once on existing and new connections. `refuse()` stops
// listening (new connections get ECONNREFUSED; existing ones carry on) until `accept()`.

export type Direction = 'client-to-server' | 'server-to-client';
export type FaultMode = { mode: 'pass' } | { mode: 'delay'; ms: number } | { mode: 'pause' } | { mode: 'blackhole' } | { mode: 'reset' };

export type FaultProxy = {
  host: string;
  port: number;
  set(direction: Direction | 'both', mode: FaultMode): void;
  mode(direction: Direction): FaultMode;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  // Connections currently open through the proxy.
  connections(): number;
  // Bytes waiting in the proxy (paused or delayed), and bytes thrown away by blackhole, per direction.
  held(direction: Direction): number;
  swallowed(direction: Direction): number;
  close(): Promise<void>;
};

type Held = { data: Buffer | null; due: number };

// How long a connection stays half-closed once one side's end has been passed on (see settle).
const LINGER_MS = 2000;

// One direction of one connection: from `source` to `sink`, through a FIFO so order survives any mode.
class Pipe {
  private queue: Held[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: net.Socket,
    private readonly sink: net.Socket,
    private readonly current: () => FaultMode,
    private readonly swallow: (bytes: number) => void,
    private readonly ended: () => void,
  ) {
    source.on('data', (chunk: Buffer) => this.arrive(chunk));
    source.on('end', () => this.arrive(null));
  }

  private arrive(data: Buffer | null) {
    const mode = this.current();
    if (mode.mode === 'blackhole' && data) this.swallow(data.length);
    if (mode.mode === 'blackhole' || mode.mode === 'reset') return;
    this.queue.push({ data, due: Date.now() + (mode.mode === 'delay' ? mode.ms : 0) });
    this.flush();
  }

  // Called on every arrival, timer and mode change.
  flush() {
    clearTimeout(this.timer);
    const mode = this.current();
    if (mode.mode === 'blackhole') {
      this.swallow(this.heldBytes());
      this.queue = [];
    }
    if (mode.mode === 'pause' || mode.mode === 'blackhole' || mode.mode === 'reset') return;
    const now = Date.now();
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (mode.mode === 'delay' && head.due > now) {
        this.timer = setTimeout(() => this.flush(), head.due - now);
        return;
      }
      this.queue.shift();
      if (this.sink.destroyed) continue;
      if (head.data === null) {
        this.sink.end();
        this.ended();
      } else if (!this.sink.write(head.data)) {
        // Back-pressure in pass mode keeps a fast sender from filling the proxy's memory.
        this.source.pause();
        this.sink.once('drain', () => this.source.resume());
      }
    }
  }

  // Bytes held by `pause` were due when they arrived; switching to delay holds them `ms` from now.
  retime(mode: FaultMode) {
    if (mode.mode === 'delay') for (const held of this.queue) held.due = Math.max(held.due, Date.now() + mode.ms);
  }

  pending(): boolean {
    return this.queue.length > 0;
  }

  heldBytes(): number {
    return this.queue.reduce((sum, held) => sum + (held.data?.length ?? 0), 0);
  }

  stop() {
    clearTimeout(this.timer);
    this.queue = [];
  }
}

export async function startFaultProxy(target: { host: string; port: number }, listenHost = '127.0.0.1'): Promise<FaultProxy> {
  const modes: Record<Direction, FaultMode> = { 'client-to-server': { mode: 'pass' }, 'server-to-client': { mode: 'pass' } };
  const swallowed: Record<Direction, number> = { 'client-to-server': 0, 'server-to-client': 0 };
  const links = new Set<{ client: net.Socket; server: net.Socket; pipes: Record<Direction, Pipe> }>();
  const resetting = () => modes['client-to-server'].mode === 'reset' || modes['server-to-client'].mode === 'reset';

  const kill = (socket: net.Socket) => {
    if (!socket.destroyed) socket.resetAndDestroy();
  };

  // Half-open on both sides, so one direction's end does not cut the other short.
  const listener = net.createServer({ allowHalfOpen: true }, (client) => {
    if (resetting()) return kill(client);
    const server = net.connect({ port: target.port, host: target.host, allowHalfOpen: true });
    let linger: NodeJS.Timeout | undefined;
    const pipe = (source: net.Socket, sink: net.Socket, direction: Direction) =>
      new Pipe(
        source,
        sink,
        () => modes[direction],
        (n) => (swallowed[direction] += n),
        () => {
          linger ??= setTimeout(lingered, LINGER_MS);
          settle();
        },
      );
    const link = {
      client,
      server,
      pipes: { 'client-to-server': pipe(client, server, 'client-to-server'), 'server-to-client': pipe(server, client, 'server-to-client') },
    };
    links.add(link);
    const drained = () => !link.pipes['client-to-server'].pending() && !link.pipes['server-to-client'].pending();
    const forget = () => {
      if (!links.delete(link)) return;
      clearTimeout(linger);
      link.pipes['client-to-server'].stop();
      link.pipes['server-to-client'].stop();
    };
    // An abrupt close is mirrored on the other side; a clean end travels through the pipes instead.
    const teardown = () => {
      forget();
      kill(client);
      kill(server);
    };
    // A clean close of both sides (what was written still goes out first).
    const close = () => {
      forget();
      client.destroySoon();
      server.destroySoon();
    };
    // Bytes a pause or a delay holds are still delivered: the linger waits for them.
    const lingered = () => {
      if (!links.has(link)) return;
      if (drained()) close();
      else linger = setTimeout(lingered, LINGER_MS);
    };
    // When a connection is done. Both sides ended and nothing held: done. One side gone and nothing held
    // for the other: the other is closed as the side that went would have closed it. And an end passed on
    // leaves the other side LINGER_MS to finish: without that, a side whose peer went away while the other
    // keeps its half open holds its descriptor until TCP gives up, minutes later, and a fleet that gives
    // slow connections up runs the proxy out of descriptors. An end a blackhole swallowed is not passed
    // on, so that connection stays until its other side ends too, as it would behind a dead link.
    const settle = () => {
      if (!links.has(link) || !drained()) return;
      if ((client.readableEnded && server.readableEnded) || client.destroyed || server.destroyed) close();
    };
    for (const socket of [client, server]) {
      socket.on('error', teardown);
      socket.on('end', settle);
      socket.on('close', (hadError) => (hadError ? teardown() : settle()));
    }
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      // As deep an accept queue as the consoles' (server.ts): a fleet reconnecting at once must not
      // overflow the proxy where it would not overflow the console.
      listener.listen({ port, host: listenHost, backlog: 4096 }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (listener.address() as net.AddressInfo).port;

  const proxy: FaultProxy = {
    host: listenHost,
    port,
    set(direction, mode) {
      for (const d of direction === 'both' ? (['client-to-server', 'server-to-client'] as const) : [direction]) {
        modes[d] = mode;
        for (const link of links) link.pipes[d].retime(mode);
      }
      if (mode.mode === 'reset') {
        for (const link of [...links]) {
          kill(link.client);
          kill(link.server);
        }
        return;
      }
      for (const link of links) for (const d of ['client-to-server', 'server-to-client'] as const) link.pipes[d].flush();
    },
    mode: (direction) => modes[direction],
    // close() stops accepting at once; its callback would wait for the open connections, which a
    // refused listener leaves alone.
    async refuse() {
      if (listener.listening) listener.close();
    },
    accept: () => (listener.listening ? Promise.resolve() : listen(port)),
    connections: () => links.size,
    held: (direction) => [...links].reduce((sum, link) => sum + link.pipes[direction].heldBytes(), 0),
    swallowed: (direction) => swallowed[direction],
    async close() {
      for (const link of [...links]) {
        kill(link.client);
        kill(link.server);
      }
      if (listener.listening) await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
  return proxy;
}
