// The components `ordinal up` runs next to the API server, each talking to it through the client
// exactly as an external process would.
import type { Component, ClusterContext } from './cluster.js';
import { HttpClient } from '../client/http.js';
import type { Client } from '../client/types.js';
import { startEndpointsController } from '../controllers/endpoints/controller.js';
import { startScheduler } from '../scheduler/scheduler.js';
import { DnsServer } from '../dns/server.js';
import { feedIndex } from '../dns/feed.js';
import { parseHostPort } from './cluster.js';

export function clientFor(ctx: ClusterContext): Client {
  return new HttpClient({ url: ctx.url, token: ctx.token, caPem: ctx.caPem });
}

export const endpointsComponent: Component = {
  name: 'endpoints-controller',
  async start(ctx) {
    const c = startEndpointsController(clientFor(ctx), { log: ctx.log });
    return { stop: () => c.stop() };
  },
};

export const schedulerComponent: Component = {
  name: 'scheduler',
  async start(ctx) {
    const s = startScheduler(clientFor(ctx), { log: ctx.log });
    return { stop: () => s.stop() };
  },
};

/** Cluster DNS on --dns HOST:PORT (default 127.0.0.1 on a free port), fed by informers. */
export const dnsComponent: Component = {
  name: 'dns',
  async start(ctx) {
    const { host, port } = ctx.opts.dns ? parseHostPort(ctx.opts.dns, 53) : { host: '127.0.0.1', port: 0 };
    const server = new DnsServer({ host, port, log: ctx.log, upstreams: process.env.ORDINAL_DNS_UPSTREAMS !== undefined ? process.env.ORDINAL_DNS_UPSTREAMS.split(',').filter(Boolean) : undefined });
    await server.start();
    const feed = feedIndex(clientFor(ctx), server.index, (e) => ctx.log(`dns feed: ${(e as Error).message}`));
    ctx.log(`cluster DNS listening on ${server.address.host}:${server.address.port} (udp+tcp)`);
    return {
      stop: async () => {
        feed.stop();
        await server.stop();
      },
    };
  },
};

export const defaultComponents: Component[] = [endpointsComponent, schedulerComponent, dnsComponent];
