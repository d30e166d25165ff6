import { Kind, type FieldNode, type GraphQLResolveInfo } from "graphql";

/**
 * True when the field being resolved selects `name` directly (not through a
 * fragment) and without arguments. Lets a resolver load a child list in the
 * same statement as its parent; anything it cannot see answers false, and the
 * child's own field resolver loads it as usual.
 */
export function selectsPlainField(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some((node) => plainChild(node, name) !== undefined);
}

/**
 * The same one level further down: `companies { nodes { finances } }` is
 * `selectsPlainFieldIn(info, "nodes", "finances")` while resolving `companies`.
 */
export function selectsPlainFieldIn(info: GraphQLResolveInfo, parent: string, name: string): boolean {
  return info.fieldNodes.some((node) => {
    const child = plainChild(node, parent);
    return child !== undefined && plainChild(child, name) !== undefined;
  });
}

function plainChild(node: FieldNode, name: string): FieldNode | undefined {
  for (const selection of node.selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD && selection.name.value === name && (selection.arguments?.length ?? 0) === 0) return selection;
  }
  return undefined;
}
