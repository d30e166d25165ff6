import type { PubSub } from "type-graphql";

/**
 * TypeGraphQL refuses to build a schema with @Subscription fields unless a
 * PubSub is given, even when every field brings its own `subscribe` (dashql's
 * follow the change feed). This one is never used; it fails loudly if it is.
 */
export const NO_PUB_SUB: PubSub = {
  publish() {
    throw new Error("dashql publishes changes through PostgreSQL (LISTEN/NOTIFY), not TypeGraphQL's PubSub");
  },
  subscribe() {
    throw new Error("dashql subscriptions follow the change feed, not TypeGraphQL's PubSub");
  },
};
