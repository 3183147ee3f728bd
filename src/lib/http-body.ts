import type { Readable } from 'node:stream';

export interface BodyText {
  text: string;
  /** The body went on past the cap: `text` is its beginning, and the rest was not read. */
  over: boolean;
}

/**
 * Reads an answer's body up to `cap` bytes (after decompression), then stops reading and
 * lets the connection go. A stream that breaks or ends early rejects with its error;
 * `signal` (the attempt's timeout or the caller's cancel) stops the reading too.
 */
export function readCapped(stream: Readable, cap: number, signal: AbortSignal): Promise<BodyText> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      const room = cap - size;
      size += chunk.length;
      if (size <= cap) return void chunks.push(chunk);
      chunks.push(chunk.subarray(0, room));
      settle(() => resolve({ text: decode(chunks), over: true }));
      stream.destroy();
    };
    const onEnd = () => settle(() => resolve({ text: decode(chunks), over: false }));
    const onError = (error: unknown) => settle(() => reject(error));
    const onClose = () => settle(() => reject(connectionLost()));
    const onAbort = () => {
      settle(() => reject(signal.reason));
      stream.destroy();
    };
    if (signal.aborted) return onAbort();
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function decode(chunks: Buffer[]): string {
  const text = Buffer.concat(chunks).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A body stream that closed before its end. */
function connectionLost(): Error {
  return Object.assign(new Error('The connection closed before the answer ended'), {
    code: 'ECONNRESET',
  });
}
