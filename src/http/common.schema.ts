/** Schemas shared by many routes: the problem body and small parameter objects. */
import { Type } from 'typebox';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable code (docs/errors.md)' }),
    detail: Type.String({ description: 'Human message' }),
    instance: Type.String(),
    field: Type.Optional(Type.String({ description: 'JSON pointer to the field at fault' })),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.Optional(Type.String()), message: Type.String(), code: Type.Optional(Type.String()) }))),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details' },
);

/** Standard error responses for the OpenAPI document. */
export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
};

export const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const bearer = [{ bearerAuth: [] }];
