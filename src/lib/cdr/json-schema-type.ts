/**
 * The TypeScript type a JSON Schema describes, computed by the compiler, for
 * the subset of JSON Schema the `Cdr` schema uses (const, enum, anyOf, string,
 * number, integer, boolean, null, array, object with properties/required, and
 * object with free-form values). This is what lets `schema.ts` keep the JSON
 * Schema as the one source of truth: the types are read off it, so the two
 * cannot drift apart.
 */

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<S> = S extends { required: ReadonlyArray<infer R> } ? R : never;

type ObjectFromProperties<P, R> = Simplify<
  { -readonly [K in keyof P as K extends R ? K : never]: FromSchema<P[K]> } & {
    -readonly [K in keyof P as K extends R ? never : K]?: FromSchema<P[K]>;
  }
>;

export type FromSchema<S> = S extends { const: infer C }
  ? C
  : S extends { enum: ReadonlyArray<infer E> }
    ? E
    : S extends { anyOf: ReadonlyArray<infer A> }
      ? FromSchema<A>
      : S extends { type: 'string' }
        ? string
        : S extends { type: 'number' | 'integer' }
          ? number
          : S extends { type: 'boolean' }
            ? boolean
            : S extends { type: 'null' }
              ? null
              : S extends { type: 'array'; items: infer I }
                ? Array<FromSchema<I>>
                : S extends { type: 'object'; properties: infer P }
                  ? ObjectFromProperties<P, RequiredKeys<S>>
                  : S extends { type: 'object' }
                    ? Record<string, unknown>
                    : unknown;
