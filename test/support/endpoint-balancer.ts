/**
 * A Service as kube-proxy implements it, on a loopback port: each new TCP connection goes to one
 * of the current endpoints (round robin), and established connections stay where they are.
 * Removing an endpoint affects new connections only, and only after the delay the test gives, as
 * the EndpointSlice controller and kube-proxy take a while to apply a terminating pod's removal.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** One connection the balancer opened to an endpoint. */
export interface BalancedConnection {
  readonly endpoint: number;
  /** `Date.now()` when it was opened. */
  readonly at: number;
}

/** A running balancer. */
export interface EndpointBalancer {
  readonly url: string;
  /** Every upstream connection, in order. */
  readonly connections: readonly BalancedConnection[];
  /** Stops sending new connections to `endpoint` once `afterMs` have passed. */
  removeEndpoint(endpoint: number, afterMs: number): void;
  stop(): Promise<void>;
}

/** Starts a balancer over loopback ports `endpoints`. */
export async function startEndpointBalancer(endpoints: readonly number[]): Promise<EndpointBalancer> {
  const current = [...endpoints];
  const connections: BalancedConnection[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let next = 0;
  const server: Server = createServer((client) => {
    if (current.length === 0) return client.destroy();
    const endpoint = current[next++ % current.length];
    connections.push({ endpoint, at: Date.now() });
    const upstream = connect(endpoint, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    // A refused or reset upstream resets the client, as DNAT to a closed port does.
    upstream.once('error', () => client.resetAndDestroy());
    client.once('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    removeEndpoint(endpoint, afterMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        const index = current.indexOf(endpoint);
        if (index !== -1) current.splice(index, 1);
      }, afterMs);
      timers.add(timer);
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
