import { Kind, type GraphQLResolveInfo } from "graphql";

/**
 * True when the field being resolved selects `name` directly (not through a
 * fragment) and without arguments. Lets a resolver load a child list in the
 * same statement as its parent; anything it cannot see answers false, and the
 * child's own field resolver loads it as usual.
 */
export function selectsPlainField(info: GraphQLResolveInfo, name: string): boolean {
  for (const node of info.fieldNodes) {
    for (const selection of node.selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD && selection.name.value === name && (selection.arguments?.length ?? 0) === 0) return true;
    }
  }
  return false;
}
