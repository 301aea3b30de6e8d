import net from 'node:net'

// A TCP proxy in front of a database (or any TCP server) for fault tests: the database itself is
// real and shared by other test files, so faults are made here, on this client's connections only.
//   pause()            — nothing is forwarded either way; new connections are accepted and held:
//                        a paused server (SIGSTOP) or a silent network. resume() lets it all through.
//   dropConnections()  — every open connection is reset (RST): a server restart, a cut cable.
//   refuse()           — stops listening and resets open connections: new connections are
//                        refused (ECONNREFUSED), as when the server is down. accept() listens again
//                        on the same port.
//   intercept          — sees each chunk a client sends before it is forwarded and may reset the
//                        connection instead (e.g. just before a COMMIT reaches the server).

export interface TcpProxyTarget {
  host: string
  port: number
}

export type ClientChunkVerdict = 'forward' | 'drop'

interface Pair {
  client: net.Socket
  upstream: net.Socket
}

export class TcpProxy {
  private server: net.Server | null = null
  private readonly pairs = new Set<Pair>()
  private paused = false
  /** Sees every chunk a client sends; 'drop' resets that connection instead of forwarding it. */
  intercept: ((chunk: Buffer) => ClientChunkVerdict) | null = null
  /** Connections accepted so far. */
  accepted = 0

  private constructor(
    private readonly target: TcpProxyTarget,
    private readonly host: string,
    public port: number,
  ) {}

  /** Starts a proxy to `target` on `port` (0: a free one) of 127.0.0.1. */
  static async start(target: TcpProxyTarget, options: { port?: number; host?: string } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, options.host ?? '127.0.0.1', options.port ?? 0)
    await proxy.accept()
    return proxy
  }

  /** A proxy in front of the server a postgres:// URL names. */
  static forUrl(databaseUrl: string, options: { port?: number } = {}): Promise<TcpProxy> {
    const url = new URL(databaseUrl)
    return TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) }, options)
  }

  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl)
    url.hostname = this.host
    url.port = String(this.port)
    return url.toString()
  }

  /** Open connections. */
  get connections(): number {
    return this.pairs.size
  }

  /** The local ports of the proxy's connections to the target (PostgreSQL: pg_stat_activity.client_port). */
  upstreamPorts(): number[] {
    return [...this.pairs].map(({ upstream }) => upstream.localPort).filter((port): port is number => port !== undefined)
  }

  pause(): void {
    this.paused = true
    for (const { client, upstream } of this.pairs) {
      client.pause()
      upstream.pause()
    }
  }

  resume(): void {
    this.paused = false
    for (const { client, upstream } of this.pairs) {
      client.resume()
      upstream.resume()
    }
  }

  /** Resets every open connection (both sides see the connection reset). */
  dropConnections(): void {
    for (const pair of [...this.pairs]) this.reset(pair)
  }

  /** Stops listening (new connections are refused) and resets the open ones. */
  async refuse(): Promise<void> {
    const server = this.server
    this.server = null
    this.dropConnections()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Listens (again) on the proxy's port. */
  async accept(): Promise<void> {
    if (this.server) return
    const server = net.createServer((client) => this.connect(client))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, this.host, () => resolve())
    })
    this.port = (server.address() as net.AddressInfo).port
    this.server = server
  }

  async close(): Promise<void> {
    this.intercept = null
    await this.refuse()
  }

  private connect(client: net.Socket): void {
    this.accepted++
    const upstream = net.connect(this.target.port, this.target.host)
    const pair = { client, upstream }
    this.pairs.add(pair)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    client.on('data', (chunk: Buffer) => {
      if (this.intercept && this.intercept(chunk) === 'drop') return this.reset(pair)
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => client.write(chunk))
    const end = () => this.reset(pair)
    for (const socket of [client, upstream]) {
      socket.on('error', end)
      socket.on('close', end)
    }
    if (this.paused) {
      client.pause()
      upstream.pause()
    }
  }

  private reset(pair: Pair): void {
    if (!this.pairs.delete(pair)) return
    for (const socket of [pair.client, pair.upstream]) {
      if (socket.destroyed) continue
      // An RST, as a crashed server or a cut network gives, rather than an orderly FIN.
      if (typeof socket.resetAndDestroy === 'function' && socket.readyState !== 'opening') socket.resetAndDestroy()
      else socket.destroy()
    }
  }
}

/** True when a chunk a PostgreSQL client sends carries the statement `word` (e.g. "commit"), in either protocol. */
export function sendsStatement(chunk: Buffer, word: string): boolean {
  return chunk.toString('latin1').toLowerCase().includes(`${word.toLowerCase()}\0`)
}
