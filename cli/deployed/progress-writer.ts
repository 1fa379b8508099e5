/**
 * One progress line on stderr: rewritten in place on a terminal, and on anything else (a log
 * file, a pipe, CI) only when it changes, one line each, so logs stay readable.
 */
export function progressWriter(err: NodeJS.WritableStream & { isTTY?: boolean }): { update(line: string): void; done(): void } {
  let last = '';
  let shown = false;
  return {
    update(line) {
      if (err.isTTY) {
        err.write(`\r\x1b[2K${line}`);
        shown = true;
      } else if (line.replace(/\d+( h| min| s)/g, '') !== last.replace(/\d+( h| min| s)/g, '')) {
        err.write(`${line}\n`);
      }
      last = line;
    },
    done() {
      if (err.isTTY && shown) err.write('\n');
    },
  };
}
