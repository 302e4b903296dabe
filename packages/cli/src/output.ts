/** Where a command writes: the process by default, a buffer in tests. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Progress bars only make sense on a terminal. */
  readonly interactive: boolean;
  /** The stream a progress bar draws on. */
  readonly progressStream?: NodeJS.WriteStream;
}

export const processOutput: Output = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  interactive: Boolean(process.stderr.isTTY),
  progressStream: process.stderr,
};

/** Collects lines (tests, or callers that print elsewhere). */
export function bufferOutput(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    interactive: false,
  };
}
