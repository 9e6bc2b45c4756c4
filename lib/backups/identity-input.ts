import { readFile } from 'node:fs/promises';
import { parseIdentityFile, type IdentityFileParse } from './identity-file.ts';

// The identity a restore is given on the command line: a file, or standard input for "-" (so that it
// can come from a pipe and never touch the appliance's disk).
export async function readIdentityInput(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<IdentityFileParse> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    return parseIdentityFile(Buffer.concat(chunks).toString('utf8'), 'standard input');
  }
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : code;
    return { ok: false, message: `The identity file ${source} cannot be read: ${reason}.` };
  }
  return parseIdentityFile(text, source);
}
