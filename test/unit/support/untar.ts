import { extract } from 'tar-stream';

/** What a tar holds, read whole into memory (test-sized tars only). */
export interface UntarredInMemory {
  /** name -> bytes of every regular file. */
  files: Map<string, Buffer>;
  dirs: string[];
  /** name -> target of every symbolic link. */
  links: Map<string, string>;
}

/** Every file of a tar as name -> bytes, plus directories and links. */
export async function untarInMemory(tar: Buffer): Promise<UntarredInMemory> {
  const files = new Map<string, Buffer>();
  const dirs: string[] = [];
  const links = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name, Buffer.concat(chunks));
        if (header.type === 'directory') dirs.push(header.name);
        if (header.type === 'symlink') links.set(header.name, header.linkname ?? '');
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(tar);
  await done;
  return { files, dirs, links };
}
