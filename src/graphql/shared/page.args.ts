import { ArgsType, Field, Int } from "type-graphql";

/**
 * `first` and `after` of a paged list, with the list's default page size written
 * once: in the schema (`first: Int = N`) and in `pageSize`, which also applies it
 * when a client sends an explicit `first: null`.
 */
export function PageArgs(defaultFirst: number) {
  @ArgsType()
  abstract class PageArgsClass {
    @Field(() => Int, { nullable: true, defaultValue: defaultFirst })
    first: number | null;

    @Field(() => String, { nullable: true })
    after: string | null;

    get pageSize(): number {
      return this.first ?? defaultFirst;
    }
  }
  return PageArgsClass;
}
