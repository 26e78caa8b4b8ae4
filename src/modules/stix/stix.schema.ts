/** TypeBox schemas of the STIX routes: the import query and its receipt. Types via Static<>. */
import { Type, type Static } from 'typebox';

const Tlp = Type.Union(['clear', 'green', 'amber', 'amber+strict', 'red'].map((t) => Type.Literal(t)), {
  description: 'TLP 2.0 level for objects that carry no TLP marking (default amber)',
});

export const StixImportQuery = Type.Object(
  {
    tlp: Type.Optional(Tlp),
    category: Type.Optional(Type.String({ description: 'Article 2 category for observables whose object does not say (default by type)' })),
    subtype: Type.Optional(Type.String({ description: 'Article 2 sub-type, with category' })),
    title: Type.Optional(Type.String({ maxLength: 300, description: 'Title of the report created for the observables' })),
  },
  { additionalProperties: false },
);
export type StixImportQuery = Static<typeof StixImportQuery>;

export const InvalidStixObject = Type.Object({
  index: Type.Integer({ description: 'Position in the bundle objects (-1: the bundle itself)' }),
  id: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  reason: Type.String(),
});

export const ObservableRefusal = Type.Object({
  index: Type.Integer({ description: 'Position of the object in the bundle' }),
  id: Type.String({ description: 'STIX id of the object' }),
  type: Type.String({ description: 'Observable type' }),
  value: Type.String(),
  code: Type.String(),
  message: Type.String(),
});

export const StixObjectOutcome = Type.Object({
  index: Type.Integer(),
  id: Type.String(),
  version: Type.Union([Type.String(), Type.Null()], { description: 'modified, else created, else null' }),
  status: Type.Union([Type.Literal('stored'), Type.Literal('unchanged'), Type.Literal('invalid')]),
  reason: Type.Optional(Type.String()),
});

export const StixImportReceipt = Type.Object({
  id: Type.String({ description: 'Import id (GET /api/v1/imports/{id})' }),
  bundle_id: Type.Union([Type.String(), Type.Null()]),
  report_id: Type.Union([Type.String(), Type.Null()], { description: 'The report holding the observables; null when none was new' }),
  total: Type.Integer({ description: 'Objects in the bundle' }),
  stored: Type.Integer({ description: 'Objects (or versions) stored for the first time' }),
  new_versions: Type.Integer({ description: 'Of those, newer versions superseding a stored one' }),
  older_versions: Type.Integer({ description: 'Of those, versions older than one already stored (kept, not served as latest)' }),
  unchanged: Type.Integer({ description: 'Already stored with the same id and version' }),
  invalid: Type.Array(InvalidStixObject, { description: 'Every invalid object with the reason; the valid ones were imported' }),
  kept_raw: Type.Integer({ description: 'Indicators whose pattern is more than a list of values: kept with the raw pattern' }),
  observables: Type.Object({
    accepted: Type.Integer({ description: 'New indicators in the indicator store' }),
    duplicates: Type.Integer({ description: 'Already known: a sighting was added' }),
    refused: Type.Integer(),
    refusals: Type.Array(ObservableRefusal),
  }),
  objects: Type.Array(StixObjectOutcome, { description: 'The outcome of each object, in bundle order' }),
  created_at: Type.String({ format: 'date-time' }),
});
export type StixImportReceipt = Static<typeof StixImportReceipt>;

export const StixIdParam = Type.Object(
  { id: Type.String({ pattern: '^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F-]{36}$', description: 'A STIX identifier' }) },
  { additionalProperties: false },
);

export const StixBundleSchema = Type.Object(
  { type: Type.Literal('bundle'), id: Type.String(), objects: Type.Array(Type.Object({}, { additionalProperties: true })) },
  { additionalProperties: true, description: 'A STIX 2.1 bundle' },
);
