/** Nothing subscribed: every publish is skipped by its hasSubscribers check. */
import { serveEcho } from './base.js';

await serveEcho(() => {});
