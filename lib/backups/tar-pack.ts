import { once } from 'node:events';
import { pipeline, Readable, type Transform } from 'node:stream';
import tar from 'tar-stream';

// The backup's tar layer, written and read with tar-stream (ustar, with pax headers for long names),
// one entry at a time: a body is streamed into the archive, never held whole.

export type TarEntryInput = {
  name: string;
  size: number;
  mtime: Date;
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
};

export type TarEntry = {
  name: string;
  size: number;
  // 'file' for regular files; directories, links and the like are reported, never interpreted.
  type: string;
  body: AsyncIterable<Buffer>;
};

// A tar stream of `entries`, in order. A body whose length differs from its `size` fails the stream.
// `source` piped through `transform`; an error anywhere destroys both, so it reaches the reader.
export function through(source: Readable, transform: Transform): Transform {
  pipeline(source, transform, () => {});
  return transform;
}

export function packTar(entries: AsyncIterable<TarEntryInput> | Iterable<TarEntryInput>): Readable {
  const pack = tar.pack();
  const write = async () => {
    for await (const entry of entries) {
      let settle!: (error?: Error | null) => void;
      const added = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
      const sink = pack.entry({ name: entry.name, size: entry.size, mtime: entry.mtime, mode: 0o600, type: 'file' }, settle);
      sink.on('error', settle); // reported through the callback too; without a listener it would crash the process
      for await (const chunk of entry.body) if (!sink.write(chunk)) await once(sink, 'drain');
      sink.end(Buffer.alloc(0));
      await added;
    }
    pack.finalize();
  };
  write().catch((error: unknown) => pack.destroy(error as Error));
  // A Node stream (tar-stream's are streamx streams), so that pipeline, compose and toWeb all apply.
  return Readable.from(pack);
}

// The entries of a tar stream. Each body must be read, or skipped without reading, before the next
// entry is asked for (what is left of a skipped one is drained); leaving a body part-way through
// (break, return) ends the whole archive, as tar-stream destroys its parent with the entry.
export async function* unpackTar(source: Readable): AsyncGenerator<TarEntry> {
  const extract = tar.extract();
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      let settled = false;
      const done = new Promise<void>((resolve) => {
        const settle = () => ((settled = true), resolve());
        entry.once('end', settle);
        entry.once('close', settle);
      });
      yield {
        name: entry.header.name,
        size: entry.header.size ?? 0,
        type: entry.header.type ?? 'file',
        body: entry as AsyncIterable<Buffer>,
      };
      if (!settled) {
        entry.resume();
        await done;
      }
    }
  } finally {
    source.destroy();
    extract.destroy();
  }
}
