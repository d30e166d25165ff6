import { DateTimeResolver, SafeIntResolver } from "graphql-scalars";

/** ISO-8601 date-time strings; every Date field uses it. */
export const DateTime = DateTimeResolver;
/** Integers up to 2^53-1 (file sizes): GraphQL's Int stops at 2^31-1. */
export const SafeInt = SafeIntResolver;
