/**
 * The {@link dev.settingsguard.core.SettingsStore} port over Jdbi 3 and sqlite-jdbc.
 *
 * <p>{@link dev.settingsguard.jdbi.SqliteDatabase} owns one database file: its schema, its pooled
 * connections and the transactions decorators open around whole operations. {@link
 * dev.settingsguard.jdbi.JdbiSettingsStore} performs each operation's SQL steps one by one and
 * nothing more; undecorated it reproduces the interleaving bug and serves as the negative control.
 */
package dev.settingsguard.jdbi;
