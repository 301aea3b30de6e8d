import type { Migration } from 'kysely'
import * as initial from './2026-11-25T0000-initial.js'
import * as codesAndProposals from './2026-11-25T0100-codes-and-proposals.js'
import * as auditTruncate from './2026-11-25T0200-audit-truncate.js'
import * as lookup from './2026-11-25T0300-lookup.js'
import * as proposalInitialDivision from './2026-12-06T0000-proposal-initial-division.js'
import * as proposalUntypedText from './2026-12-07T0000-proposal-untyped-text.js'
import * as importFieldMaps from './2026-12-08T0000-import-field-maps.js'
import * as referenceLayers from './2026-12-08T0100-reference-layers.js'
import * as gridCodesPerStatement from './2026-12-08T0200-grid-codes-per-statement.js'
import * as proposalChangesJson from './2026-12-08T0300-proposal-changes-json.js'
import * as addressesGeomIndex from './2026-12-09T0000-addresses-geom-index.js'

// Every migration, by name, in order. Listed statically (not read from the folder at run time) so
// the same code runs under tsx, vitest and any bundler. Never edit a migration after it lands:
// add a new file and a line here.
export const migrations: Record<string, Migration> = {
  '2026-11-25T0000-initial': initial,
  '2026-11-25T0100-codes-and-proposals': codesAndProposals,
  '2026-11-25T0200-audit-truncate': auditTruncate,
  '2026-11-25T0300-lookup': lookup,
  '2026-12-06T0000-proposal-initial-division': proposalInitialDivision,
  '2026-12-07T0000-proposal-untyped-text': proposalUntypedText,
  '2026-12-08T0000-import-field-maps': importFieldMaps,
  '2026-12-08T0100-reference-layers': referenceLayers,
  '2026-12-08T0200-grid-codes-per-statement': gridCodesPerStatement,
  '2026-12-08T0300-proposal-changes-json': proposalChangesJson,
  '2026-12-09T0000-addresses-geom-index': addressesGeomIndex,
}
