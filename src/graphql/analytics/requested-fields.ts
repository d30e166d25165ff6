import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

/**
 * What an aggregate field's selection asks for, so the domain computes only that
 * (each figure is an aggregate over every selected row). Fragments are followed;
 * directives (@include/@skip) are not evaluated: a field under one counts as
 * asked, which only costs time, never a wrong answer.
 */
function walk(info: GraphQLResolveInfo, set: SelectionSetNode | undefined, visit: (name: string, sub: SelectionSetNode | undefined) => void, seen = new Set<string>()) {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) visit(selection.name.value, selection.selectionSet);
    else if (selection.kind === Kind.INLINE_FRAGMENT) walk(info, selection.selectionSet, visit, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      walk(info, info.fragments[selection.name.value]?.selectionSet, visit, seen);
    }
  }
}

/** Names of the fields selected directly under the field being resolved. */
export function requestedFields(info: GraphQLResolveInfo): string[] {
  const found = new Set<string>();
  for (const node of info.fieldNodes) walk(info, node.selectionSet, (name) => found.add(name));
  return [...found];
}

const FIGURES = new Set(["sum", "avg", "min", "max"]);

/** The QuarterFigures a financeAggregates selection asks for: "sum.total", "avg.q1"... */
export function requestedFigures(info: GraphQLResolveInfo): string[] {
  const found = new Set<string>();
  for (const node of info.fieldNodes) {
    walk(info, node.selectionSet, (figure, sub) => {
      if (FIGURES.has(figure)) walk(info, sub, (part) => found.add(`${figure}.${part}`));
    });
  }
  return [...found];
}
