/** An object's own SQLite tables, sorted: not the runtime's (`_cf_…`, where it keeps the alarm) nor SQLite's. */
export function ownTables(sql: SqlStorage): string[] {
  return sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .toArray()
    .map((row) => row.name)
    .filter((name) => !name.startsWith("_cf_") && !name.startsWith("sqlite_"));
}
