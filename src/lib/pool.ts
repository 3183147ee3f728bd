import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { ConcurrencyLimiter } from './limiter';

/** The connections and the limit on requests in flight of one account, shared by its transports. */
export class ConnectionPool {
  readonly #limiter: ConcurrencyLimiter;
  readonly #agents: { http: http.Agent; https: https.Agent };
  readonly #http: AxiosInstance;

  constructor(maxConcurrent: number) {
    this.#limiter = new ConcurrencyLimiter(maxConcurrent);
    const agent = { keepAlive: true, maxSockets: maxConcurrent, maxFreeSockets: maxConcurrent };
    this.#agents = { http: new http.Agent(agent), https: new https.Agent(agent) };
    this.#http = axios.create({
      httpAgent: this.#agents.http,
      httpsAgent: this.#agents.https,
      // A redirect would carry the X-Plex-Token header to whatever host it names.
      maxRedirects: 0,
      // Bodies are read by readCapped, which knows the status and so the cap.
      responseType: 'stream',
      validateStatus: () => true,
    });
  }

  get running(): number {
    return this.#limiter.running;
  }

  /** Runs `send` with a slot and the pool's HTTP client. */
  run<T>(send: (client: AxiosInstance) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#limiter.run(() => send(this.#http), signal);
  }

  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }
}
