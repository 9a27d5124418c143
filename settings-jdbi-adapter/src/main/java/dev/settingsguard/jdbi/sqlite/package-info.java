/**
 * The SQLite backend: {@link dev.settingsguard.jdbi.sqlite.SqliteDatabase} owns one database file,
 * its checks, schema, pooled connections and transactions.
 */
package dev.settingsguard.jdbi.sqlite;
