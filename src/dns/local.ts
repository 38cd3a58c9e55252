// Where an in-process cluster DNS server listens, per cluster (keyed by its context object): an
// in-process node agent with real pod networking sends its pods' kube-dns traffic there. Either
// side may start first, so a subscriber is called now or once the address is published.
export interface DnsAddress { host: string; port: number }

const published = new WeakMap<object, DnsAddress>();
const waiting = new WeakMap<object, ((a: DnsAddress) => void)[]>();

export function publishLocalDns(owner: object, addr: DnsAddress): void {
  published.set(owner, addr);
  for (const cb of waiting.get(owner) ?? []) cb(addr);
  waiting.delete(owner);
}

/** Calls `cb` with the address (now if known); the returned function cancels a pending call. */
export function onLocalDns(owner: object, cb: (a: DnsAddress) => void): () => void {
  const a = published.get(owner);
  if (a) {
    cb(a);
    return () => {};
  }
  const list = waiting.get(owner) ?? [];
  list.push(cb);
  waiting.set(owner, list);
  return () => {
    const l = waiting.get(owner);
    if (l) waiting.set(owner, l.filter((x) => x !== cb));
  };
}
