/** The in-memory backend (two nodes of one `memoryCluster`) passes the cluster contract. */
import { memoryCluster } from '../../src/cluster/index.js';
import { runClusterContract } from './contract.js';

runClusterContract('in-memory (memoryCluster)', (options) => {
  const c = memoryCluster(options);
  const a = c.node('a');
  const b = c.node('b');
  return { a, b, close: () => { void a.close(); void b.close(); } };
});
