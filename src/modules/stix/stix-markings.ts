/**
 * TLP 2.0 data markings (Art. 12: TLP markings on everything shared).
 *
 * STIX 2.1 itself only defines TLP 1.0 (WHITE/GREEN/AMBER/RED, §7.2.1.4). TLP 2.0 is carried by
 * the OASIS CTI TC's common marking definitions, which use the property extension
 * `extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d` and fixed ids. The ids and the
 * objects below are those of oasis-open/cti-stix-common-objects,
 * extension-definition-specifications/tlp-2.0 (schema and examples), checked by hand: note that
 * TLP:GREEN is `bab4a63c-aed9-4cf5-a766-dfca5abac2bb`. These objects are OASIS's, not ours, so
 * they carry no `created_by_ref` and are emitted exactly as published.
 */
import type { StixObject, Tlp } from './stix.types.js';

export const TLP2_EXTENSION_DEFINITION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

/** The published `created` of all five TLP 2.0 marking definitions. */
export const TLP2_CREATED = '2022-10-01T00:00:00.000Z';

export const TLP2_MARKING_IDS: Readonly<Record<Tlp, string>> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/**
 * STIX 2.1 §7.2.1.4 TLP 1.0 marking ids, read on import only. TLP 1.0 WHITE corresponds to
 * TLP 2.0 CLEAR (FIRST TLP 2.0 renamed it); the other three keep their names.
 */
export const TLP1_MARKING_IDS: Readonly<Record<'white' | 'green' | 'amber' | 'red', string>> = {
  white: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  green: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  amber: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  red: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
};

/** From least to most restrictive. */
export const TLP_LEVELS: readonly Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

const TLP_BY_MARKING_ID: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  ...(Object.entries(TLP2_MARKING_IDS) as [Tlp, string][]).map(([tlp, id]): [string, Tlp] => [id, tlp]),
  [TLP1_MARKING_IDS.white, 'clear'],
  [TLP1_MARKING_IDS.green, 'green'],
  [TLP1_MARKING_IDS.amber, 'amber'],
  [TLP1_MARKING_IDS.red, 'red'],
]);

/** The TLP 2.0 marking-definition object for one level, exactly as OASIS publishes it. */
export function tlpMarkingDefinition(tlp: Tlp): StixObject {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP2_MARKING_IDS[tlp],
    created: TLP2_CREATED,
    name: `TLP:${tlp.toUpperCase()}`,
    extensions: {
      [TLP2_EXTENSION_DEFINITION_ID]: { extension_type: 'property-extension', tlp_2_0: tlp },
    },
  };
}

/** `object_marking_refs` for an object at this level. */
export function markingRefsFor(tlp: Tlp): string[] {
  return [TLP2_MARKING_IDS[tlp]];
}

/** The TLP level of a marking-definition id (TLP 2.0 or 1.0), or null when it is not a TLP one. */
export function tlpOfMarkingId(id: string): Tlp | null {
  return TLP_BY_MARKING_ID.get(id) ?? null;
}

/**
 * The TLP of an object from its `object_marking_refs`: the most restrictive TLP marking among
 * them (an object wrongly carrying two levels is handled at the stricter one), or null when none
 * is a TLP marking; the caller decides the default (we treat unmarked input as the submitter's
 * declared level, never as CLEAR).
 */
export function tlpFromMarkingRefs(refs: readonly unknown[] | null | undefined): Tlp | null {
  let strictest: Tlp | null = null;
  for (const ref of refs ?? []) {
    if (typeof ref !== 'string') continue;
    const tlp = tlpOfMarkingId(ref);
    if (tlp !== null && (strictest === null || TLP_LEVELS.indexOf(tlp) > TLP_LEVELS.indexOf(strictest))) {
      strictest = tlp;
    }
  }
  return strictest;
}
