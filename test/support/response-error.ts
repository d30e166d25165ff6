/** An entry of a GraphQL response's `errors`, as the tests and the bench read it. */
export interface ResponseError {
  message: string;
  extensions?: { code?: string; [k: string]: unknown };
  path?: (string | number)[];
}
