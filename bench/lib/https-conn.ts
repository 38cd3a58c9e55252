// One persistent HTTPS (HTTP/1.1 over TLS, keep-alive) connection that sends one request at a time
// and reads the whole response: what each of a benchmark's concurrent clients is, as kubectl's or
// client-go's connection is. Node's https.request costs ~0.5 ms of client CPU per request, and the
// bench client shares the machine's cores with the server it measures; this does the same protocol
// work (TLS, request line and headers, Content-Length framed bodies, status and body read back)
// with a fraction of the overhead, so the figure is the server's, not the load generator's.
import tls from 'node:tls';

export interface ConnResponse {
  status: number;
  body: string;
}

export class HttpsConn {
  private sock?: tls.TLSSocket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (r: ConnResponse) => void; reject: (e: Error) => void };

  constructor(private readonly host: string, private readonly port: number, private readonly headers: Record<string, string>) {}

  private connect(): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: this.host, port: this.port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
        s.off('error', reject);
        s.setNoDelay(true);
        s.on('data', (d: Buffer) => this.onData(d));
        const fail = (e: Error) => {
          this.sock = undefined;
          this.waiting?.reject(e);
          this.waiting = undefined;
        };
        s.on('error', fail);
        s.on('close', () => fail(new Error('connection closed by the server')));
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  /** Sends one request (the body as JSON text) and resolves with the complete response. */
  async request(method: string, path: string, body?: string): Promise<ConnResponse> {
    if (this.waiting) throw new Error('HttpsConn: one request at a time');
    if (!this.sock) {
      this.sock = await this.connect();
    }
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n`;
    for (const [k, v] of Object.entries(this.headers)) head += `${k}: ${v}\r\n`;
    if (body !== undefined) head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
    head += '\r\n';
    const p = new Promise<ConnResponse>((resolve, reject) => (this.waiting = { resolve, reject }));
    // one write: one TLS record for the whole request
    this.sock.write(body === undefined ? head : head + body);
    return p;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) {
      this.waiting?.reject(new Error(`response without Content-Length (status ${status})`));
      this.waiting = undefined;
      return;
    }
    const total = end + 4 + Number(m[1]);
    if (this.buf.length < total) return;
    const body = this.buf.toString('utf8', end + 4, total);
    this.buf = this.buf.subarray(total);
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve({ status, body });
  }

  close(): void {
    this.sock?.destroy();
    this.sock = undefined;
  }
}
