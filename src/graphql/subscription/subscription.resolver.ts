import { Arg, Authorized, ID, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { CompanyChange, Delivery, FilesRegistered, QueueItemChange } from "../../domain/events/change-feed";
import { parseId } from "../../domain/shared/id";
import { QueueFilter } from "../queue/queue.inputs";
import { CompanyChangeType, FilesRegisteredType, QueueItemChangeType } from "./change.type";
import type { LiveContext } from "./live-context";

type Data<Args> = SubscribeResolverData<unknown, Args, LiveContext>;

/** The filter applies to the item after the change, or before it for DELETED. */
export function queueFilterAccepts(filter: QueueFilter | null | undefined, change: QueueItemChange): boolean {
  if (!filter) return true;
  const keys = change.item ?? change.before;
  if (!keys) return false;
  if (filter.status != null && keys.status !== filter.status) return false;
  if (filter.owner != null && keys.owner !== filter.owner) return false;
  if (filter.runTag != null && keys.runTag !== filter.runTag) return false;
  if (filter.host != null && keys.host !== filter.host) return false;
  return true;
}

/**
 * The Subscription fields. `subscribe` follows a topic of the change feed with
 * an in-memory filter; the field itself returns the change the feed delivered
 * (rows already loaded once for every subscriber). Any role may subscribe.
 */
@Resolver()
export class SubscriptionResolver {
  @Authorized()
  @Subscription(() => QueueItemChangeType, {
    description:
      "Queue items as they are enqueued, claimed, finished, cancelled or purged; the filter applies to the item after the change (before it, for DELETED).",
    subscribe: ({ args, context }: Data<{ filter?: QueueFilter | null }>) =>
      context.live.follow("queue", (change) => queueFilterAccepts(args.filter, change)),
  })
  queueChanged(
    @Root() delivery: Delivery<"queue">,
    @Arg("filter", () => QueueFilter, { nullable: true }) _filter: QueueFilter | null,
  ): QueueItemChange {
    return delivery.change;
  }

  @Authorized()
  @Subscription(() => QueueItemChangeType, {
    description: "One queue item (a run's page).",
    subscribe: ({ args, context }: Data<{ id: string }>) => {
      const id = parseId(args.id);
      return context.live.follow("queue", (change) => change.id === id);
    },
  })
  queueItemChanged(@Root() delivery: Delivery<"queue">, @Arg("id", () => ID) _id: string): QueueItemChange {
    return delivery.change;
  }

  @Authorized()
  @Subscription(() => CompanyChangeType, {
    description: "Companies as they are created, updated (their finances included) or deleted.",
    subscribe: ({ context }: Data<Record<string, never>>) => context.live.follow("company", () => true),
  })
  companiesChanged(@Root() delivery: Delivery<"company">): CompanyChange {
    return delivery.change;
  }

  @Authorized()
  @Subscription(() => FilesRegisteredType, {
    description: "Batches of files registered, per run directory; host and runDir narrow them (exact match).",
    subscribe: ({ args, context }: Data<{ host?: string | null; runDir?: string | null }>) =>
      context.live.follow(
        "files",
        (change) => (args.host == null || change.host === args.host) && (args.runDir == null || change.runDir === args.runDir),
      ),
  })
  filesRegistered(
    @Root() delivery: Delivery<"files">,
    @Arg("host", () => String, { nullable: true }) _host: string | null,
    @Arg("runDir", () => String, { nullable: true }) _runDir: string | null,
  ): FilesRegistered {
    return delivery.change;
  }
}
