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

// One direction of one connection: from `source` to `sink`, through a FIFO so order survives any mode.
class Pipe {
  private queue: Held[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: net.Socket,
    private readonly sink: net.Socket,
    private readonly current: () => FaultMode,
    private readonly swallow: (bytes: number) => void,
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
      if (head.data === null) this.sink.end();
      else if (!this.sink.write(head.data)) {
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
    const link = {
      client,
      server,
      pipes: {
        'client-to-server': new Pipe(
          client,
          server,
          () => modes['client-to-server'],
          (n) => (swallowed['client-to-server'] += n),
        ),
        'server-to-client': new Pipe(
          server,
          client,
          () => modes['server-to-client'],
          (n) => (swallowed['server-to-client'] += n),
        ),
      },
    };
    links.add(link);
    const teardown = () => {
      if (!links.delete(link)) return;
      link.pipes['client-to-server'].stop();
      link.pipes['server-to-client'].stop();
      // An abrupt close is mirrored on the other side; a clean end travels through the pipes instead.
      kill(client);
      kill(server);
    };
    for (const socket of [client, server]) {
      socket.on('error', teardown);
      socket.on('close', (hadError) => {
        if (hadError) teardown();
        else if (client.destroyed && server.destroyed) links.delete(link);
      });
    }
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, listenHost, () => {
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
