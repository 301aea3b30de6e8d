import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import type { FieldMap, ImportType } from './upload.schemas.js'

// The field map of the last committed import per region and import type; the only writer of
// import_field_maps. The next preview for that region and type starts from it.

export async function findFieldMap(db: Kysely<Database>, region: string, type: ImportType): Promise<FieldMap | null> {
  const row = await db
    .selectFrom('import_field_maps')
    .select('field_map')
    .where('region_code', '=', region)
    .where('import_type', '=', type)
    .executeTakeFirst()
  return row?.field_map ?? null
}

export async function rememberFieldMap(db: Kysely<Database>, input: { region: string; type: ImportType; map: FieldMap; username: string }) {
  const fieldMap = JSON.stringify(input.map)
  await db
    .insertInto('import_field_maps')
    .values({ region_code: input.region, import_type: input.type, field_map: fieldMap, updated_by: input.username })
    .onConflict((conflict) =>
      conflict
        .columns(['region_code', 'import_type'])
        .doUpdateSet({ field_map: fieldMap, updated_by: input.username, updated_at: new Date() }),
    )
    .execute()
}
