/**
 * The in-memory SessionStore, EventStore and NotificationBus run the shared contract (`stores-contract.ts`);
 * other implementations (Redis: `test/redis/stores.contract.test.ts`) call the same functions.
 */
import { InMemoryEventStore, InMemoryNotificationBus, InMemorySessionStore } from '../../src/transports/http/index.js';
import { eventStoreContract, notificationBusContract, sessionStoreContract } from './stores-contract.js';

export { eventStoreContract, notificationBusContract, sessionStoreContract };

sessionStoreContract('InMemorySessionStore', (maxSessions) => new InMemorySessionStore({ maxSessions }));
eventStoreContract('InMemoryEventStore', (maxEventsPerStream) => new InMemoryEventStore({ maxEventsPerStream }));
notificationBusContract('InMemoryNotificationBus', () => new InMemoryNotificationBus());
