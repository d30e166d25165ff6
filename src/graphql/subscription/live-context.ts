import type { ChangeByTopic, Delivery, Topic } from "../../domain/events/change-feed";
import type { GraphQLContext } from "../context";

/**
 * What a subscription's `subscribe` needs beyond a query's context: a way to
 * follow one topic of the change feed. The WebSocket server provides it, with
 * its per-connection and per-server limits; an HTTP request never has it.
 */
export interface LiveUpdates {
  follow<T extends Topic>(topic: T, accepts: (change: ChangeByTopic[T]) => boolean): AsyncIterableIterator<Delivery<T>>;
}

export interface LiveContext extends GraphQLContext {
  live: LiveUpdates;
}
