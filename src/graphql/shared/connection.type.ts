import { Field, Int, ObjectType, type ClassType } from "type-graphql";
import type { Page } from "../../domain/shared/pagination";

@ObjectType("PageInfo", { simpleResolvers: true })
export class PageInfoType {
  @Field(() => Boolean)
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

export interface EdgeShape<T> {
  cursor: string;
  node: T;
}

/**
 * Builds `<Name>Edge` and `<Name>Connection` for a node type. The connection
 * wraps a domain Page; `totalCount` is a method field, so its COUNT query runs
 * only when a client selects it.
 */
export function Connection<TNode extends object>(Node: ClassType<TNode>, name: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge implements EdgeShape<TNode> {
    @Field(() => String)
    cursor: string;

    @Field(() => Node)
    node: TNode;
  }

  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [Node])
    nodes: TNode[];

    private page: Page<TNode>;

    /** Built when selected: a page read through `nodes` (the dashboard's lists) encodes no cursor. */
    @Field(() => [Edge])
    get edges(): Edge[] {
      const { page } = this;
      return page.nodes.map((node, i) => ({ cursor: page.cursor(i), node }));
    }

    @Field(() => PageInfoType)
    get pageInfo(): PageInfoType {
      const { page } = this;
      return {
        hasNextPage: page.hasNextPage,
        get endCursor() {
          return page.endCursor;
        },
      };
    }

    /** Number of items matching the filter, across all pages. */
    @Field(() => Int, { description: "Items matching the filter across all pages. Costs one COUNT query; select it only when shown." })
    totalCount(): Promise<number> {
      return this.page.totalCount();
    }

    protected fill(page: Page<TNode>): this {
      this.page = page;
      this.nodes = page.nodes;
      return this;
    }
  }
  return ConnectionClass;
}
