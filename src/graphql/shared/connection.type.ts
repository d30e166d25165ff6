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
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => [Node])
    nodes: TNode[];

    @Field(() => PageInfoType)
    pageInfo: PageInfoType;

    private page: Page<TNode>;

    /** Number of items matching the filter, across all pages. */
    @Field(() => Int, { description: "Items matching the filter across all pages. Costs one COUNT query; select it only when shown." })
    totalCount(): Promise<number> {
      return this.page.totalCount();
    }

    protected fill(page: Page<TNode>): this {
      this.page = page;
      this.nodes = page.nodes;
      this.edges = page.nodes.map((node, i) => ({ cursor: page.cursors[i], node }));
      this.pageInfo = { hasNextPage: page.hasNextPage, endCursor: page.endCursor };
      return this;
    }
  }
  return ConnectionClass;
}
