/** The primary-IPC backend (two workers' ends wired to one IpcPrimary through in-process channels) passes the cluster contract. */
import { EventEmitter } from 'node:events';
import { IpcPrimary, ipcBackend, type IpcChannel } from '../../src/cluster/index.js';
import { runClusterContract } from './contract.js';

/** Two ends of an IPC-like channel: messages are structured-cloned and delivered in order on a later turn. */
function pipe(): [IpcChannel, IpcChannel] {
  const a = new EventEmitter();
  const b = new EventEmitter();
  const end = (self: EventEmitter, peer: EventEmitter): IpcChannel => ({
    send: (m: unknown) => void setImmediate(() => peer.emit('message', structuredClone(m))),
    on: (e, l) => self.on(e, l),
    off: (e, l) => self.off(e, l),
  });
  return [end(a, b), end(b, a)];
}

runClusterContract('primary-IPC (IpcPrimary + ipcBackend)', (options) => {
  const primary = new IpcPrimary(options);
  const [pa, wa] = pipe();
  const [pb, wb] = pipe();
  const da = primary.attach(pa);
  const db = primary.attach(pb);
  const a = ipcBackend('wa', wa);
  const b = ipcBackend('wb', wb);
  return {
    a,
    b,
    close: () => {
      void a.close();
      void b.close();
      da();
      db();
    },
  };
});
